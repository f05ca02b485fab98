import type { PrepareHandler, Asset } from '@stack/ilp-core'
import { fetchAccountDetails } from './account-details.js'
import { RateProbeError, type RateProbeFailure } from './connection-error.js'
import { Connection, type ConnectionOptions } from './connection.js'

const PROBE_FAILURES: Record<RateProbeFailure, string> = {
  unreachable: 'could not determine the exchange rate: no test packet large enough to measure it reached the receiver',
  'rate-rounds-to-zero': 'the exchange rate rounds to zero: the largest packet the path carries delivers nothing',
  'connection-closed': 'the connection closed before the exchange rate was known',
}

export interface CreateConnectionOptions extends ConnectionOptions {
  /** The server's address for this connection (from SPSP or `generateAddressAndSecret`). */
  destinationAccount: string
  sharedSecret: Uint8Array
  /** How our Prepares reach the network. */
  sendPrepare: PrepareHandler
  /**
   * Our address, told to the server (RFC 0029 §4.3.1) so it can send to us; route its
   * Prepares to `connection.handlePrepare`. `'ildcp'` asks the parent (RFC 0031).
   */
  sourceAccount?: string | 'ildcp'
  assetDetails?: Asset
  /** Accepted loss against the probed rate (default 0.01). Shorthand for exchangeRate.slippage. */
  slippage?: number
  /** Least acceptable rate, destination per source unit. Shorthand for exchangeRate.minExchangeRate. */
  minExchangeRate?: number | string
  /** Probe the rate before resolving (default true). Without it, the first money send probes. */
  probe?: boolean
}

/**
 * Opens a STREAM connection as client: probes the path's exchange rate and packet limit
 * with unfulfillable test packets (RFC 0029 §3.4), then resolves. Rejects with a
 * RateProbeError saying why no rate could be measured.
 */
export async function createConnection(options: CreateConnectionOptions): Promise<Connection> {
  const { destinationAccount, sharedSecret, sendPrepare, slippage, minExchangeRate, probe, ...rest } = options
  let { sourceAccount, assetDetails } = options
  if (sourceAccount === 'ildcp') {
    const details = await fetchAccountDetails(sendPrepare)
    sourceAccount = details.address
    assetDetails ??= details.asset
  }
  const connection = new Connection(
    {
      ...rest,
      role: 'client',
      sharedSecret,
      destinationAccount,
      sourceAccount,
      assetDetails,
      exchangeRate: { slippage, minExchangeRate, ...rest.exchangeRate },
    },
    sendPrepare,
    { idleTimeout: rest.idleTimeout },
  )
  const failure = probe === false ? undefined : await connection.probe()
  if (failure !== undefined) {
    connection.destroy()
    throw new RateProbeError(failure, PROBE_FAILURES[failure])
  }
  return connection
}

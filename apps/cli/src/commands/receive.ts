import { randomBytes } from 'node:crypto'
import { parseArgs } from 'node:util'
import { parseAssetAmount, spspReceiver, SpspServer } from '@stack/spsp'
import { createServer, type Connection } from '@stack/stream'
import { ExitCode, UsageError } from '../exit-codes.js'
import { json, money, moneyJson } from '../format.js'
import { RECEIVE_HELP } from '../help.js'
import type { Io } from '../io.js'
import { connectUplink, redact, viaUrl, type Uplink } from '../uplink.js'
import { report } from './pay.js'

/** Runs until `stop` fires (SIGINT/SIGTERM from main). */
export async function receiveCommand(args: string[], io: Io, stop: AbortSignal): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      via: { type: 'string' },
      port: { type: 'string', default: '0' },
      host: { type: 'string', default: '127.0.0.1' },
      'receive-max': { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  })
  if (values.help) {
    io.out(RECEIVE_HELP)
    return ExitCode.Ok
  }
  const asJson = values.json
  let uplink: Uplink | undefined
  let spsp: SpspServer | undefined
  try {
    if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`)
    const via = viaUrl(values.via, process.env, 'receive')
    if (!/^\d{1,5}$/.test(values.port) || Number(values.port) > 65535) throw new UsageError(`--port "${values.port}" is not a port`)
    // A receiver outlives a restart of its connector: its link redials (the account and address stay).
    uplink = await connectUplink(via, { reconnect: true })
    const link = uplink.link
    const asset = { code: uplink.info.assetCode, scale: uplink.info.assetScale }
    let receiveMax: bigint | undefined
    if (values['receive-max'] !== undefined) {
      receiveMax = parseAssetAmount(values['receive-max'], asset.scale)
      if (receiveMax === undefined) throw new UsageError(`--receive-max "${values['receive-max']}" is not an amount of ${asset.code} (at most ${asset.scale} decimals)`)
    }
    const streamServer = await createServer({ serverSecret: randomBytes(32), serverAddress: uplink.info.clientAddress, assetDetails: asset, sendPrepare: uplink.sendPrepare })
    uplink.serve(streamServer.handlePrepare)
    // Payments are numbered when money first arrives: STREAM's quotes open connections too
    // (rate probes that carry nothing), and they are no payment.
    let count = 0
    streamServer.on('connection', (connection: Connection) => {
      let id = 0
      let received = 0n
      connection.on('stream', (stream) => {
        if (receiveMax !== undefined) stream.setReceiveMax(receiveMax)
        stream.on('money', (amount) => {
          if (id === 0) id = ++count
          received += amount
          if (asJson) io.out(json({ event: 'money', payment: id, amount: moneyJson(amount, asset), total: moneyJson(received, asset) }) + '\n')
        })
      })
      connection.on('close', (error) => {
        if (received === 0n && error === undefined) return
        if (asJson) io.out(json({ event: 'payment', payment: id, received: moneyJson(received, asset), ...(error === undefined ? {} : { error: error.message }) }) + '\n')
        else io.out(`payment #${id}: received ${money(received, asset)}${error === undefined ? '' : ` (closed: ${error.message})`}\n`)
      })
    })
    const generate = spspReceiver({ streamServer })
    const viaText = redact(via)
    link.onStateChange((state) => {
      if (state === 'reconnecting') {
        if (asJson) io.out(json({ event: 'unreachable', connector: viaText }) + '\n')
        else io.err(`the connector at ${viaText} is unreachable: retrying; SPSP queries fail until it is back\n`)
      } else if (state === 'connected') {
        if (asJson) io.out(json({ event: 'reconnected', connector: viaText }) + '\n')
        else io.err(`reconnected to the connector at ${viaText}\n`)
      }
    })
    spsp = new SpspServer({
      endpoints: {
        // Credentials are only handed out while money can reach us (a 500 until the connector is back).
        '/.well-known/pay': (request) => {
          if (link.state !== 'connected') throw new Error(`the connector at ${viaText} is unreachable`)
          return generate(request)
        },
      },
      log: () => undefined,
    })
    await spsp.listen(Number(values.port), values.host)
    const url = `${spsp.url}/.well-known/pay`
    if (asJson) io.out(json({ event: 'listening', url, address: uplink.info.clientAddress, asset }) + '\n')
    else io.out(`Receiving ${asset.code} at ${uplink.info.clientAddress}\nPay to: ${url}  (stack pay ${url} <amount> --insecure --via …)\n`)
    await new Promise<void>((resolve) => (stop.aborted ? resolve() : stop.addEventListener('abort', () => resolve(), { once: true })))
    return ExitCode.Ok
  } catch (error) {
    return report(error, io, asJson)
  } finally {
    await spsp?.close()
    await uplink?.close()
  }
}

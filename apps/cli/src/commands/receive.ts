import { randomBytes } from 'node:crypto'
import { parseArgs } from 'node:util'
import { parseAssetAmount, spspReceiver, SpspServer } from '@stack/spsp'
import { createServer, type Connection } from '@stack/stream'
import { ExitCode, UsageError } from '../exit-codes.js'
import { json, money, moneyJson } from '../format.js'
import { RECEIVE_HELP } from '../help.js'
import type { Io } from '../io.js'
import { connectUplink, type Uplink } from '../uplink.js'
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
    if (values.via === undefined) throw new UsageError('receive needs --via <btp+ws url> (the connector to receive through)')
    if (!/^\d{1,5}$/.test(values.port) || Number(values.port) > 65535) throw new UsageError(`--port "${values.port}" is not a port`)
    uplink = await connectUplink(values.via)
    const asset = { code: uplink.info.assetCode, scale: uplink.info.assetScale }
    let receiveMax: bigint | undefined
    if (values['receive-max'] !== undefined) {
      receiveMax = parseAssetAmount(values['receive-max'], asset.scale)
      if (receiveMax === undefined) throw new UsageError(`--receive-max "${values['receive-max']}" is not an amount of ${asset.code} (at most ${asset.scale} decimals)`)
    }
    const streamServer = await createServer({ serverSecret: randomBytes(32), serverAddress: uplink.info.clientAddress, assetDetails: asset, sendPrepare: uplink.sendPrepare })
    uplink.serve(streamServer.handlePrepare)
    let count = 0
    streamServer.on('connection', (connection: Connection) => {
      const id = ++count
      let received = 0n
      connection.on('stream', (stream) => {
        if (receiveMax !== undefined) stream.setReceiveMax(receiveMax)
        stream.on('money', (amount) => {
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
    spsp = new SpspServer({ endpoints: { '/.well-known/pay': spspReceiver({ streamServer }) } })
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

import { EventEmitter } from 'node:events'
import type { Channel } from './channel.js'
import { MAX_UINT64 } from './channel.js'
import { asBuffer } from './bytes.js'
import { HandlerAlreadyRegisteredError, InvalidAmountError, NoChannelError, NoHandlerError } from './errors.js'
import type { Link } from './link.js'
import type { PluginDataHandler, PluginMoneyHandler, PluginV2 } from './plugin.js'

/**
 * Presents a Link (and optionally a Channel) as an interledgerjs plugin (LedgerPluginInterface
 * v2), so code written for plugins (ilp-connector, ilp-protocol-stream) runs over our links.
 * Emits `connect` and `disconnect` as the link's state changes.
 */
export function pluginFromLink(link: Link, channel?: Channel): PluginV2 & EventEmitter {
  return new LinkPlugin(link, channel)
}

class LinkPlugin extends EventEmitter implements PluginV2 {
  #dataHandler: PluginDataHandler | undefined
  #moneyHandler: PluginMoneyHandler | undefined
  #wasConnected: boolean

  constructor(private readonly link: Link, private readonly channel: Channel | undefined) {
    super()
    this.#wasConnected = link.state === 'connected'
    link.onStateChange((state) => {
      const connected = state === 'connected'
      if (connected === this.#wasConnected) return
      this.#wasConnected = connected
      this.emit(connected ? 'connect' : 'disconnect')
    })
    link.setRequestHandler(async (data) => {
      const handler = this.#dataHandler
      if (handler === undefined) throw new NoHandlerError('data')
      const reply = await handler(asBuffer(data))
      return reply
    })
    channel?.setValueHandler(async ({ amount }) => {
      const handler = this.#moneyHandler
      if (handler === undefined) throw new NoHandlerError('money')
      await handler(amount.toString())
    })
  }

  async connect(): Promise<void> {
    await this.link.connect()
  }

  async disconnect(): Promise<void> {
    await this.link.close()
  }

  isConnected(): boolean {
    return this.link.state === 'connected'
  }

  async sendData(data: Buffer): Promise<Buffer> {
    return asBuffer(await this.link.request(data))
  }

  async sendMoney(amount: string): Promise<void> {
    if (this.channel === undefined) throw new NoChannelError()
    if (!/^[0-9]{1,20}$/.test(amount) || BigInt(amount) > MAX_UINT64) throw new InvalidAmountError('amount', amount)
    await this.channel.sendValue(BigInt(amount))
  }

  registerDataHandler(handler: PluginDataHandler): void {
    if (this.#dataHandler !== undefined) throw new HandlerAlreadyRegisteredError('data')
    this.#dataHandler = handler
  }

  deregisterDataHandler(): void {
    this.#dataHandler = undefined
  }

  registerMoneyHandler(handler: PluginMoneyHandler): void {
    if (this.#moneyHandler !== undefined) throw new HandlerAlreadyRegisteredError('money')
    this.#moneyHandler = handler
  }

  deregisterMoneyHandler(): void {
    this.#moneyHandler = undefined
  }
}

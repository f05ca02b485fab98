import type { Channel, ValueHandler } from './channel.js'
import { asBuffer, asUint8Array } from './bytes.js'
import { InvalidAmountError, LinkClosedError, LinkNotConnectedError, LinkRemoteError, NoHandlerError } from './errors.js'
import type { Link, LinkState, RequestHandler, RequestOptions, StateListener } from './link.js'
import { MAX_UINT64 } from './channel.js'
import type { PluginV2 } from './plugin.js'
import { withDeadline } from './request-deadline.js'
import { StateListeners } from './state-listeners.js'

export interface PluginLinkOptions {
  /** Deadline for `request` when the caller gives none. Default 30 000 ms. */
  readonly timeoutMs?: number
}

/**
 * Wraps an interledgerjs plugin (LedgerPluginInterface v2) as a Link, so any published
 * `ilp-plugin-*` module can sit under this stack. The plugin's own money side is available
 * through `channelFromPlugin`.
 */
export function linkFromPlugin(plugin: PluginV2, options: PluginLinkOptions = {}): Link {
  return new PluginLink(plugin, options.timeoutMs ?? 30_000)
}

class PluginLink implements Link {
  #state: LinkState
  readonly #listeners = new StateListeners()
  #handler: RequestHandler | undefined
  #closing = new AbortController()

  constructor(private readonly plugin: PluginV2, private readonly timeoutMs: number) {
    this.#state = plugin.isConnected() ? 'connected' : 'idle'
    plugin.on('connect', () => this.#setState('connected'))
    plugin.on('disconnect', () => {
      if (this.#state !== 'closed') this.#setState('idle')
    })
    plugin.registerDataHandler(async (data) => {
      const handler = this.#handler
      if (handler === undefined) throw new NoHandlerError('data')
      return asBuffer(await handler(asUint8Array(data), { signal: this.#closing.signal }))
    })
  }

  get state(): LinkState {
    return this.#state
  }

  async connect(): Promise<void> {
    if (this.#state === 'closed') throw new LinkClosedError()
    if (this.#state !== 'connected') this.#setState('connecting')
    await this.plugin.connect()
    this.#setState('connected')
  }

  async close(): Promise<void> {
    if (this.#state === 'closed') return
    this.#setState('closed')
    this.#closing.abort(new LinkClosedError())
    this.plugin.deregisterDataHandler()
    await this.plugin.disconnect()
  }

  async request(data: Uint8Array, options: RequestOptions = {}): Promise<Uint8Array> {
    if (this.#state === 'closed') throw new LinkClosedError()
    if (!this.plugin.isConnected()) throw new LinkNotConnectedError(this.#state)
    const sent = this.plugin.sendData(asBuffer(data)).catch((error: unknown) => {
      // The plugin interface has no error taxonomy: keep what it said, typed as remote.
      const e = error instanceof Error ? error : new Error(String(error))
      throw new LinkRemoteError('plugin', e.name, e.message)
    })
    // The plugin may not reject its calls on disconnect: closing the link must, so race it.
    const closing = this.#closing.signal
    let onClose = (): void => undefined
    const closed = new Promise<never>((_resolve, reject) => {
      onClose = () => reject(new LinkClosedError())
      closing.addEventListener('abort', onClose, { once: true })
    })
    try {
      const reply = await withDeadline(Promise.race([sent, closed]), options.timeoutMs ?? this.timeoutMs, options.signal)
      return asUint8Array(reply)
    } finally {
      closing.removeEventListener('abort', onClose)
    }
  }

  setRequestHandler(handler: RequestHandler | undefined): void {
    this.#handler = handler
  }

  onStateChange(listener: StateListener): () => void {
    return this.#listeners.add(listener)
  }

  #setState(state: LinkState): void {
    if (this.#state === state) return
    this.#state = state
    this.#listeners.emit(state)
  }
}

/** The money side of a plugin as a Channel; plugins carry no proof, so `proof` is empty. */
export function channelFromPlugin(plugin: PluginV2, options: PluginLinkOptions = {}): Channel {
  const timeoutMs = options.timeoutMs ?? 30_000
  let valueHandler: ValueHandler | undefined
  plugin.registerMoneyHandler(async (amount) => {
    if (valueHandler === undefined) throw new NoHandlerError('money')
    if (!/^[0-9]{1,20}$/.test(amount) || BigInt(amount) > MAX_UINT64) throw new InvalidAmountError('amount', amount)
    await valueHandler({ amount: BigInt(amount), proof: new Uint8Array(0) })
  })
  return {
    async sendValue(amount, sendOptions = {}) {
      if (amount < 0n || amount > MAX_UINT64) throw new InvalidAmountError('amount', amount)
      await withDeadline(plugin.sendMoney(amount.toString()), sendOptions.timeoutMs ?? timeoutMs, sendOptions.signal)
    },
    setValueHandler(handler) {
      valueHandler = handler
    }
  }
}

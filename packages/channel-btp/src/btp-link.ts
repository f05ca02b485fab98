import { InvalidAmountError, LinkClosedError, LinkNotConnectedError, MAX_UINT64, StateListeners } from '@stack/channel-core'
import type { Channel, Link, LinkState, RequestHandler, RequestOptions, StateListener, ValueHandler } from '@stack/channel-core'
import { BtpSession } from './btp-session.js'
import { DEFAULT_LIMITS, type BtpSessionLimits, type BtpSessionStats } from './session-contract.js'
import type { BtpLogger } from './logger.js'
import { silentLogger } from './logger.js'

export interface BtpLinkOptions {
  /** Limits of the request/response layer; each defaults as in `DEFAULT_LIMITS`. */
  readonly limits?: Partial<BtpSessionLimits>
  /** Where refused input and connection events are reported. Default: silent. */
  readonly logger?: BtpLogger
}

export interface BtpValueOptions extends RequestOptions {
  /** The claim or proof carried in the TRANSFER's claim sub-protocol. */
  readonly proof?: Uint8Array
}

/**
 * What a BTP client and a server-side account have in common: a Link carrying ILP bytes as
 * MESSAGE/`ilp`, and a Channel carrying value as TRANSFER with its claim.
 */
export abstract class BtpLink implements Link, Channel {
  protected readonly session: BtpSession
  protected readonly logger: BtpLogger
  #state: LinkState = 'idle'
  readonly #listeners = new StateListeners()

  constructor(options: BtpLinkOptions) {
    this.logger = options.logger ?? silentLogger
    this.session = new BtpSession({ ...DEFAULT_LIMITS, ...options.limits }, this.logger)
  }

  get state(): LinkState {
    return this.#state
  }

  /** What this link refused or ignored so far (malformed frames, unexpected responses …). */
  get stats(): Readonly<BtpSessionStats> {
    return this.session.stats
  }

  /** Requests sent and not yet answered. */
  get inFlight(): number {
    return this.session.inFlight
  }

  abstract connect(): Promise<void>
  abstract close(): Promise<void>

  request(data: Uint8Array, options: RequestOptions = {}): Promise<Uint8Array> {
    if (this.#state !== 'connected') return Promise.reject(this.#notReady())
    return this.session.request(data, options.timeoutMs, options.signal)
  }

  async sendValue(amount: bigint, options: BtpValueOptions = {}): Promise<void> {
    if (typeof amount !== 'bigint' || amount < 0n || amount > MAX_UINT64) throw new InvalidAmountError('amount', amount)
    if (this.#state !== 'connected') throw this.#notReady()
    await this.session.transfer(amount, options.proof ?? new Uint8Array(0), options.timeoutMs, options.signal)
  }

  setRequestHandler(handler: RequestHandler | undefined): void {
    this.session.requestHandler = handler
  }

  setValueHandler(handler: ValueHandler | undefined): void {
    this.session.valueHandler = handler
  }

  onStateChange(listener: StateListener): () => void {
    return this.#listeners.add(listener)
  }

  protected setState(state: LinkState): void {
    if (state === this.#state) return
    this.#state = state
    this.#listeners.emit(state)
  }

  /** Resolves when the state becomes `connected`; rejects if it becomes `closed` first. */
  protected whenConnected(): Promise<void> {
    if (this.#state === 'connected') return Promise.resolve()
    if (this.#state === 'closed') return Promise.reject(new LinkClosedError())
    return new Promise((resolve, reject) => {
      const off = this.onStateChange((state) => {
        if (state === 'connected') {
          off()
          resolve()
        } else if (state === 'closed') {
          off()
          reject(new LinkClosedError())
        }
      })
    })
  }

  #notReady(): Error {
    return this.#state === 'closed' ? new LinkClosedError() : new LinkNotConnectedError(this.#state)
  }
}

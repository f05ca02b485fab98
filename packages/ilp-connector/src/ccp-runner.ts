import {
  CCP_CONTROL_DESTINATION,
  CCP_UPDATE_DESTINATION,
  IlpErrorCode,
  IlpPacketType,
  reject,
  type CcpHandled,
  type CcpMessage,
  type CcpNode,
  type IlpPrepare,
  type IlpReply,
  type PrepareHandler,
  type RouteRefusal,
} from '@stack/ilp-core'
import type { Clock } from './clock.js'
import { errorText, type ConnectorLogger } from './logger.js'

export interface CcpRunnerOptions {
  ccp: CcpNode
  /** This node's address: `triggeredBy` of its Rejects. */
  address: string
  /** Sends a CCP Prepare straight to a peer (Connector.sendToPeer): it resolves with the reply. */
  send(peerId: string, prepare: IlpPrepare): Promise<IlpReply>
  clock: Clock
  logger: ConnectorLogger
  /** A route of a peer's update that was not taken (already logged). */
  onRouteRefused?: (peerId: string, reason: RouteRefusal) => void
}

// The timer never sleeps longer than this (routes expire on ticks), nor shorter (no busy loop).
const MIN_TICK_MS = 10
const MAX_TICK_MS = 1_000

/**
 * The I/O shell of a CcpNode (which is sans I/O, ilp-core): sends the messages it asks for,
 * hands their replies back, answers the peers' `peer.route.*` Prepares with it, and calls
 * tick(now) on a timer at the time it asks for.
 */
export class CcpRunner {
  readonly #ccp: CcpNode
  readonly #options: CcpRunnerOptions
  #cancelTick: (() => void) | undefined
  #running = false

  constructor(options: CcpRunnerOptions) {
    this.#ccp = options.ccp
    this.#options = options
  }

  start(): void {
    this.#running = true
    this.#schedule()
  }

  /** No timer, no message sent after this. */
  stop(): void {
    this.#running = false
    this.#cancelTick?.()
    this.#cancelTick = undefined
  }

  /** Answers the `peer.route.*` Prepares from `peerId` (Connector `peerProtocols`). */
  handler(peerId: string): PrepareHandler {
    return async (prepare) => {
      const now = this.#options.clock.now()
      let handled: CcpHandled
      if (prepare.destination === CCP_CONTROL_DESTINATION) handled = this.#ccp.onRouteControl(peerId, prepare, now)
      else if (prepare.destination === CCP_UPDATE_DESTINATION) handled = this.#ccp.onRouteUpdate(peerId, prepare, now)
      else return reject(IlpErrorCode.F02_UNREACHABLE, this.#options.address, `${prepare.destination} is not served here`)
      for (const { prefix, reason } of handled.refused) {
        // The prefix is the peer's text (an ASN.1 Address, up to 1023 characters): cut for the log.
        this.#options.logger.warn('route refused', { peer: peerId, prefix: prefix.slice(0, 128), reason })
        this.#options.onRouteRefused?.(peerId, reason)
      }
      this.#send(handled.send)
      return handled.reply
    }
  }

  peerConnected(peerId: string): void {
    this.#send(this.#ccp.peerConnected(peerId, this.#options.clock.now()))
  }

  /** Its routes are withdrawn; it is sent nothing until it is back. */
  peerDisconnected(peerId: string): void {
    this.#ccp.peerDisconnected(peerId, this.#options.clock.now())
    this.#send([])
  }

  #schedule(): void {
    if (!this.#running) return
    this.#cancelTick?.()
    const { clock } = this.#options
    const at = this.#ccp.nextTickAt()
    const delay = at === undefined ? MAX_TICK_MS : Math.min(MAX_TICK_MS, Math.max(MIN_TICK_MS, at - clock.now()))
    this.#cancelTick = clock.setTimer(delay, () => {
      this.#cancelTick = undefined
      this.#send(this.#ccp.tick(clock.now()))
    })
  }

  #send(messages: CcpMessage[]): void {
    if (!this.#running) return
    const { logger, clock } = this.#options
    for (const message of messages) {
      this.#options.send(message.peerId, message.prepare).then(
        (reply) => {
          if (reply.type === IlpPacketType.Reject) {
            logger.debug('CCP request rejected', { peer: message.peerId, kind: message.kind, code: reply.code, reason: reply.message })
          }
          if (this.#running) this.#send(this.#ccp.onReply(message, reply, clock.now()))
        },
        (error: unknown) => {
          logger.debug('CCP request failed', { peer: message.peerId, kind: message.kind, err: errorText(error) })
          if (this.#running) this.#send(this.#ccp.onReply(message, undefined, clock.now()))
        },
      )
    }
    this.#schedule()
  }
}

import { isAddressPrefix } from '@stack/ilp-core'

/** How the reply to a validation packet came back. */
export type ValidationOutcome = 'heard' | 'temporary' | 'final'

/**
 * Where our Prepares go (RFC 0029 §4.3): the address we were given or have validated, and
 * one the other end announced in ConnectionNewAddress. §4.3.2: a new address is not acted on
 * blindly: one packet with no money and no data goes there first, and only its authenticated
 * reply (sealed with the connection's secret) makes it the address money and data go to.
 */
export class RemoteAddressController {
  /** Validated (or given by the application): where money and data go. */
  current: string | undefined
  /** Announced, not yet validated. */
  private candidate: string | undefined
  private validating = false
  private readonly own: string | undefined

  constructor(initial: string | undefined, own: string | undefined) {
    this.current = initial
    this.own = own === '' ? undefined : own
  }

  /** A ConnectionNewAddress in a Prepare of the other end (the decoder checked it is an ILP address). */
  announce(address: string): void {
    if (address === '') return // "tell me your asset", not an address
    // The latest announcement wins; a path back to ourselves validates nothing.
    this.candidate = address === this.current || (this.own !== undefined && isAddressPrefix(this.own, address)) ? undefined : address
  }

  /** The address to send a validation packet to now, if one waits and none is in flight. */
  takeValidation(): string | undefined {
    if (this.candidate === undefined || this.validating) return undefined
    this.validating = true
    return this.candidate
  }

  get pending(): boolean {
    return this.candidate !== undefined
  }

  onValidation(address: string, outcome: ValidationOutcome): void {
    this.validating = false
    if (outcome === 'temporary') return // tried again
    if (outcome === 'heard') this.current = address
    if (this.candidate === address) this.candidate = undefined
  }
}

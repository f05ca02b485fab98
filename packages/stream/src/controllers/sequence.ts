/**
 * RFC 0029 §5.2 and §5.1.3: each endpoint numbers its own Prepares, and must stop once it
 * has sent 2^31 packets (AES-GCM is unsafe past 2^32 under one key, shared by both ends).
 */
export const MAX_PACKETS_PER_CONNECTION = 2n ** 31n

export class SequenceController {
  private next = 1n

  /** Packets numbered so far. */
  get sent(): bigint {
    return this.next - 1n
  }

  get exhausted(): boolean {
    return this.next > MAX_PACKETS_PER_CONNECTION
  }

  /** The sequence of the next Prepare, or undefined once the connection must close. */
  take(): bigint | undefined {
    if (this.exhausted) return undefined
    return this.next++
  }
}

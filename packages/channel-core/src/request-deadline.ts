import { LinkAbortedError, LinkTimeoutError } from './errors.js'

/**
 * Races `work` against a timeout and an AbortSignal, and always clears its timer. For links
 * whose transport has no deadline of its own (the plugin bridge, HTTP).
 */
export function withDeadline<T>(work: Promise<T>, timeoutMs: number, signal?: AbortSignal): Promise<T> {
  if (signal?.aborted === true) {
    work.catch(() => undefined) // settled later, by nobody's wish: not an unhandled rejection
    return Promise.reject(new LinkAbortedError(signal.reason))
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer)
      reject(new LinkAbortedError(signal?.reason))
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      reject(new LinkTimeoutError(timeoutMs))
    }, timeoutMs)
    signal?.addEventListener('abort', onAbort, { once: true })
    work.then(
      (value) => {
        clearTimeout(timer)
        signal?.removeEventListener('abort', onAbort)
        resolve(value)
      },
      (error: unknown) => {
        clearTimeout(timer)
        signal?.removeEventListener('abort', onAbort)
        reject(error)
      }
    )
  })
}

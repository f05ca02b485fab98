import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import * as ldk from 'lightningdevkit'

let loading: Promise<void> | undefined

/** Loads LDK's WASM module (once per process) from the lightningdevkit package. */
export function initLdk(): Promise<void> {
  loading ??= (async () => {
    const file = createRequire(import.meta.url).resolve('lightningdevkit/liblightningjs.wasm')
    await ldk.initializeWasmFromBinary(new Uint8Array(await readFile(file)))
  })()
  return loading
}

/** Some(value) of an LDK Option, or undefined. */
export function someOf<T>(option: unknown): T | undefined {
  return option !== null && typeof option === 'object' && 'some' in option ? (option as { some: T }).some : undefined
}

export const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex')
export const unhex = (text: string): Uint8Array => Uint8Array.from(Buffer.from(text, 'hex'))

/** The reason an LDK call's Err result gives (an APIError's text, else its kind). */
export function apiError(result: unknown): string {
  const err = (result as { err?: { err?: string } }).err
  return err?.err ?? err?.constructor.name ?? 'refused'
}

/** What a SIGKILL does to the code of a process: it stops at a write, and writes nothing more. */
export declare class Crash extends Error {}

/** The crash points of one "process" of a test (src/index.js says how they work). */
export declare class CrashPoints {
  constructor(files: readonly string[])
  readonly files: readonly string[]
  readonly dead: boolean
  /** It dies right after its nth write from now. */
  arm(writes: number): void
  disarm(): void
  /** The test closed its files and opens them again: they work again. */
  restart(): void
  dispose(): void
  check(source: string): void
  wrote(source: string): void
}

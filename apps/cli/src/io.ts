/** Where a command writes: stdout for results, stderr for progress and messages. */
export interface Io {
  out(text: string): void
  err(text: string): void
  readonly isTty: boolean
}

export const processIo: Io = {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
  isTty: process.stderr.isTTY === true,
}

/** The file is not a ledger this version can open, or is one already when asked to create it. */
export class LedgerFileError extends Error {
  override readonly name = 'LedgerFileError'
  constructor(readonly file: string, readonly reason: string) {
    super(`${file}: ${reason}`)
  }
}

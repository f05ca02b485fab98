/**
 * The asset of an ILP account between two nodes (RFC 0032 §"Accounts and Balances"; what ILDCP
 * tells a child, RFC 0031): amounts are integers in units of 10^-scale of `code`.
 */
export interface Asset {
  readonly code: string
  /** UInt8. */
  readonly scale: number
}

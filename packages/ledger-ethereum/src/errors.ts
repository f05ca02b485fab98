/**
 * The refusals particular to a chain: a transaction or call the EVM reverted. Everything else
 * an EVM ledger refuses is one of ledger-core's named errors (UnknownAccountError,
 * InsufficientFundsError, IdempotencyConflictError …); failures of the JSON-RPC endpoint itself
 * are viem's errors, passed through.
 */
import { LedgerError } from '@stack/ledger-core'

/**
 * The EVM reverted a contract call, a deployment or a transaction. Checked by simulating the
 * call before it is sent, so nothing was mined and no gas was spent, unless `hash` is set (the
 * transaction was mined and reverted: the chain changed between simulation and inclusion).
 */
export class ContractRevertedError extends LedgerError {
  override readonly name = 'ContractRevertedError'
  constructor(
    /** The function called (`constructor` for a deployment, undefined for a plain transfer). */
    readonly functionName: string | undefined,
    /** The custom error's name (`ClaimNotIncreasing`), `Error` for a `require` string, or undefined when the revert carried no data. */
    readonly errorName: string | undefined,
    /** The custom error's arguments, decoded by the ABI. */
    readonly errorArgs: readonly unknown[],
    /** The revert string or viem's description of the revert. */
    readonly reason: string | undefined,
    /** The mined transaction, when the revert happened on chain. */
    readonly hash?: `0x${string}`
  ) {
    super(`${functionName ?? 'transaction'} reverted${errorName === undefined ? '' : ` with ${errorName}`}${reason === undefined ? '' : `: ${reason}`}`)
  }
}

/**
 * The refusals particular to a chain: a transaction or call the EVM reverted. Everything else
 * an EVM ledger refuses is one of ledger-core's named errors (UnknownAccountError,
 * InsufficientFundsError, IdempotencyConflictError …); failures of the JSON-RPC endpoint itself
 * are viem's errors, passed through.
 */
import { BaseError, ContractFunctionRevertedError, decodeErrorResult, isHex, type Abi, type Hex } from 'viem'
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

/** The typed revert in viem's error, or the error itself when it is not a revert (a network failure). */
export function revertOf(error: unknown, functionName: string, abi: Abi): unknown {
  if (!(error instanceof BaseError)) return error
  const reverted = error.walk((e) => e instanceof ContractFunctionRevertedError)
  if (reverted instanceof ContractFunctionRevertedError) {
    return new ContractRevertedError(functionName, reverted.data?.errorName ?? (reverted.reason === undefined ? undefined : 'Error'), reverted.data?.args ?? [], reverted.reason ?? reverted.shortMessage)
  }
  // A plain call (a deployment) is not decoded by viem: decode its revert data by the ABI here.
  const raw = error.walk((e) => typeof (e as { data?: unknown }).data === 'string' && isHex((e as { data: string }).data))
  const data = (raw as { data?: Hex } | null)?.data
  if (data !== undefined && data.length >= 10) {
    try {
      const decoded = decodeErrorResult({ abi, data })
      const args = decoded.args ?? []
      const reason = decoded.errorName === 'Error' && typeof args[0] === 'string' ? args[0] : undefined
      return new ContractRevertedError(functionName, decoded.errorName, args, reason ?? error.shortMessage)
    } catch {
      return new ContractRevertedError(functionName, undefined, [], error.shortMessage)
    }
  }
  if (/revert/i.test(error.message)) return new ContractRevertedError(functionName, undefined, [], error.shortMessage)
  return error
}

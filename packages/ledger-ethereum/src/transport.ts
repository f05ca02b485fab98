// The viem transport to the chain: its HTTP one for a JSON-RPC URL, its custom one around an
// EIP-1193 provider.
import { RpcRequestError, custom, http, isHex, type Transport } from 'viem'
import { InvalidArgumentError } from '@stack/ledger-core'
import type { Eip1193Provider, EthereumConnection } from './types.js'

export function transportOf(connection: EthereumConnection): Transport {
  if ('provider' in connection) {
    if (typeof connection.provider?.request !== 'function') throw new InvalidArgumentError('connection.provider', connection.provider, 'must be an EIP-1193 provider')
    return custom(revertsAsRpcErrors(connection.provider))
  }
  if (typeof connection.rpcUrl !== 'string' || !/^https?:\/\//.test(connection.rpcUrl)) {
    throw new InvalidArgumentError('connection.rpcUrl', connection.rpcUrl, 'must be an http(s) URL')
  }
  return http(connection.rpcUrl)
}

/**
 * A provider rejects a reverted call with the node's `{ code: 3, message, data }` (EIP-1474;
 * geth's and anvil's code for "execution reverted"). viem's custom transport knows no code 3:
 * it would take the revert for an unknown error, retry it three times with back-off (about a
 * second), and lose the revert data. As an RpcRequestError, viem decodes it by the ABI and
 * does not retry, as over HTTP.
 */
function revertsAsRpcErrors(provider: Eip1193Provider): Eip1193Provider {
  return {
    request: async (args) => {
      try {
        return await provider.request(args)
      } catch (error) {
        const data = (error as { data?: unknown } | undefined)?.data
        if (error instanceof Error && /revert/i.test(error.message) && typeof data === 'string' && isHex(data)) {
          throw new RpcRequestError({ body: args, error: { code: 3, message: error.message, data }, url: 'eip1193' })
        }
        throw error
      }
    }
  }
}

/**
 * @stack/channel-ethereum — a layer-2 payment channel on EVM chains: the PaymentChannel contract
 * (contracts/PaymentChannel.sol, compiled by this package's build with solc-js) holds each
 * channel's deposit; the sender pays with EIP-712 signed cumulative claims
 * (`Claim(bytes32 channelId,uint256 amount)`) carried to the peer as the proof of a value
 * transfer; the receiver verifies each, keeps the best, and redeems or closes with it on chain.
 * `EthereumChannel` is the channel-core `Channel` (its claim engine over this contract's scheme);
 * `PaymentChannelContract` the typed contract.
 *
 * ```ts
 * import { EthereumLedger } from '@stack/ledger-ethereum'
 * import { EthereumChannel, PaymentChannelContract } from '@stack/channel-ethereum'
 *
 * const ledger = await EthereumLedger.connect({ connection: { rpcUrl: 'http://127.0.0.1:8545' }, accounts: { alice: { privateKey: '0x…' } } })
 * const { contract } = await PaymentChannelContract.deploy(ledger, 'alice') // once per chain
 * const channel = new EthereumChannel({
 *   ledger, contract: contract.address, account: 'alice', peerAddress: '0x…connector',
 *   carrier: link, // a BTP link's value side: anything with sendValue(amount, { proof })
 *   funding: { deposit: 10n ** 17n, timeoutSeconds: 86_400n }
 * })
 * await channel.sendValue(10n ** 12n) // opens a channel with 0.1 ether, sends a claim of 10^12 wei
await channel.stop() // redeems what the peer paid us, on chain
 * ```
 */
export { EthereumChannel } from './ethereum-channel.js'
export type { EthereumChannelOptions, EthereumChannelSummary } from './ethereum-channel.js'
export { EthereumScheme } from './ethereum-scheme.js'
export type { ChannelFunding, ChannelTransaction, EthereumOutgoingState } from './ethereum-scheme.js'
export { PaymentChannelContract } from './payment-channel-contract.js'
export type { OnChainChannel, OpenRequest } from './payment-channel-contract.js'
export { paymentChannelAbi, paymentChannelBytecode, solcVersion } from './generated/payment-channel.js'
export { CLAIM_DOMAIN_NAME, CLAIM_DOMAIN_VERSION, claimDigest, claimTypedData, claimTypes, recoverClaimSigner, signClaim, verifyClaim } from './claim.js'
export type { ClaimDomain } from './claim.js'
export { CLAIM_PROOF_LENGTH, CLAIM_PROOF_VERSION, decodeClaimProof, encodeClaimProof } from './claim-proof.js'
export type { ClaimProof } from './claim-proof.js'
export { MemoryClaimStore } from '@stack/channel-core'
export type { ChannelLogger, ChannelWatch, ClaimCarrier, ClaimCarrierOptions, ClaimStore, IncomingClaim } from '@stack/channel-core'
export { SqliteClaimStore } from './sqlite-claim-store.js'
export type { ClaimStoreScope } from './sqlite-claim-store.js'
export {
  ChannelShutDownError,
  ClaimChannelClosedError,
  ClaimExceedsDepositError,
  ClaimNotIncreasingError,
  ClaimRefusedError,
  ClaimSignatureError,
  ClaimWrongChannelError,
  DepositExhaustedError,
  InvalidChannelOptionError,
  MalformedClaimError,
  NoOutgoingChannelError,
  NoValueHandlerError
} from './errors.js'
export { ethereumSettlement } from './settlement-plugin.js'
export type { EthereumSettlementConfig } from './settlement-plugin.js'

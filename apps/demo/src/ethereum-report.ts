// The three-L2 demo's account of its Ethereum leg: every transaction on the anvil chain (its gas
// and fee, who sent it, which PaymentChannel function), the balances, and the checks that the
// chain's wei are conserved and that A's and B's books agree with what moved on chain.
import { decodeFunctionData, type Address, type Hex, type PublicClient } from 'viem'
import { paymentChannelAbi, type PaymentChannelContract } from '@stack/channel-ethereum'

export interface EthereumReportInput {
  client: PublicClient
  /** The chain's accounts of the demo by name. */
  addressOf: Record<string, Address>
  before: Map<string, bigint>
  contract: PaymentChannelContract
  channelId: Hex | undefined
  /** What A's books say it paid B on the channel, and the best claim B's books hold. */
  paidByA: bigint
  heldByB: bigint
  claimsSentByA: { sent: number; failed: number }
  reclaimed: bigint
  timeoutSeconds: bigint
}

export const ethBalances = async (client: PublicClient, addressOf: Record<string, Address>): Promise<Map<string, bigint>> =>
  new Map(await Promise.all(Object.entries(addressOf).map(async ([name, address]) => [name, await client.getBalance({ address })] as const)))

export async function ethereumReport(input: EthereumReportInput, eth: (wei: bigint) => string): Promise<{ lines: string[]; checks: [string, boolean][]; gasUsed: bigint }> {
  const { client, addressOf, before, contract, channelId, paidByA, heldByB } = input
  const names = new Map<string, string>(Object.entries(addressOf).map(([name, address]) => [address.toLowerCase(), name]))
  let gasUsed = 0n
  let fees = 0n
  const feesBy = new Map<string, bigint>()
  const txLines: string[] = []
  const latest = await client.getBlockNumber({ cacheTime: 0 })
  for (let n = 1n; n <= latest; n++) {
    const block = await client.getBlock({ blockNumber: n, includeTransactions: true })
    for (const tx of block.transactions) {
      const receipt = await client.getTransactionReceipt({ hash: tx.hash })
      const fee = receipt.gasUsed * receipt.effectiveGasPrice
      const from = names.get(receipt.from.toLowerCase()) ?? receipt.from
      gasUsed += receipt.gasUsed
      fees += fee
      feesBy.set(from, (feesBy.get(from) ?? 0n) + fee)
      let what = 'deploy PaymentChannel'
      if (receipt.to !== null) {
        try {
          what = decodeFunctionData({ abi: paymentChannelAbi, data: tx.input }).functionName
        } catch {
          what = 'call'
        }
      }
      txLines.push(`${what} by ${from}: gas ${receipt.gasUsed}`)
    }
  }
  const after = await ethBalances(client, addressOf)
  const contractBalance = await client.getBalance({ address: contract.address as Address })
  const onChain = channelId === undefined ? undefined : await contract.getChannel(channelId)
  const lines = [`[ETH/anvil] balances: ${[...after].map(([name, balance]) => `${name} ${eth(balance)}`).join(', ')}; contract ${eth(contractBalance)}`]
  if (channelId !== undefined) {
    lines.push(`[ETH/anvil] channel connector-a → connector-b ${channelId.slice(0, 18)}…: deposit ${eth(onChain?.deposit ?? 0n)}, claimed ${eth(onChain?.claimed ?? 0n)}, ${onChain === undefined || onChain.closed ? 'closed' : 'open'}`)
  }
  lines.push(`[ETH/anvil] transactions: ${txLines.join('; ')}`)
  lines.push(
    `[ETH/anvil] gas used ${gasUsed} in total, fees ${eth(fees)} ETH; A sent ${input.claimsSentByA.sent} EIP-712 claims (${input.claimsSentByA.failed} failed) for ${eth(paidByA)} ETH, ` +
      `B redeemed the best (${eth(onChain?.claimed ?? 0n)} ETH) at SIGTERM, A reclaimed the other ${eth(input.reclaimed)} ETH after the ${input.timeoutSeconds} s timeout (anvil's clock moved on)`,
  )
  const sumOf = (m: Map<string, bigint>) => [...m.values()].reduce((s, v) => s + v, 0n)
  const change = (name: string) => (after.get(name) ?? 0n) - (before.get(name) ?? 0n) + (feesBy.get(name) ?? 0n)
  const checks: [string, boolean][] = [
    ['ETH chain: balances before == balances after + contract + gas fees (to the wei)', sumOf(before) === sumOf(after) + contractBalance + fees],
    ["ETH chain: contract holds nothing after B's redemption and A's reclaim", contractBalance === 0n],
    ["ETH chain: connector-b gained (net of its gas) what A's books paid it", paidByA > 0n && change('connector-b') === paidByA && paidByA === heldByB],
    ['ETH chain: connector-a lost (net of its gas) exactly that', -change('connector-a') === paidByA],
  ]
  return { lines, checks, gasUsed }
}

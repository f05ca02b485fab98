/**
 * What a new channel means for the connector's configuration (apps/connector README,
 * "Settlement", `kind: xrp`): the payer's node pays on it (`outgoing`), the payee's node takes
 * claims on it (`incoming`). Printed by `stack-xrp-channel create` as JSON or YAML to paste under
 * the peer's `settlement`. Seeds are never in it: the claim seed is a placeholder, to be set from
 * the environment (the connector's `STACK_CONNECTOR__…` overrides apply before validation).
 */

export interface NewChannel {
  readonly channelId: string
  /** The account that created (pays on) the channel, and the destination (paid). */
  readonly account: string
  readonly destination: string
  readonly amount: bigint
  /** The channel's `PublicKey`: the claim key. */
  readonly publicKey: string
}

/** The connector config of the two ends of one channel, as plain JSON (amounts as digit strings). */
export interface SettlementSnippets {
  readonly payer: { readonly settlement: PayerSettlement }
  readonly payee: { readonly settlement: PayeeSettlement }
  /** The variables that carry the seeds instead of the files; `<PEER_ID>` is the peer's `id` in that node's config. */
  readonly env: { readonly payer: Readonly<Record<string, string>>; readonly payee: Readonly<Record<string, string>> }
}

interface PayerSettlement {
  readonly kind: 'xrp'
  readonly account: string
  readonly peerAccount: string
  readonly claims: string
  readonly outgoing: { readonly channelId: string; readonly claimSecret: string; readonly amount: string }
}

interface PayeeSettlement {
  readonly kind: 'xrp'
  readonly account: string
  readonly peerAccount: string
  readonly claims: string
  readonly incoming: readonly { readonly channelId: string; readonly publicKey: string; readonly amount: string }[]
}

/** A claim store path to start from; any file will do, and the peers of a node may share one. */
export const CLAIMS_FILE = 'xrp-claims.sqlite'
export const CLAIM_SECRET_PLACEHOLDER = '<claim seed>'
const CLAIM_SECRET_ENV = 'STACK_CONNECTOR__PEERS__<PEER_ID>__SETTLEMENT__OUTGOING__CLAIM_SECRET'
const SECRET_ENV = 'STACK_CONNECTOR__PEERS__<PEER_ID>__SETTLEMENT__SECRET'

export function settlementSnippets(channel: NewChannel): SettlementSnippets {
  const amount = channel.amount.toString()
  return {
    payer: {
      settlement: {
        kind: 'xrp',
        account: channel.account,
        peerAccount: channel.destination,
        claims: CLAIMS_FILE,
        outgoing: { channelId: channel.channelId, claimSecret: CLAIM_SECRET_PLACEHOLDER, amount }
      }
    },
    payee: {
      settlement: {
        kind: 'xrp',
        account: channel.destination,
        peerAccount: channel.account,
        claims: CLAIMS_FILE,
        incoming: [{ channelId: channel.channelId, publicKey: channel.publicKey, amount }]
      }
    },
    env: {
      payer: { [CLAIM_SECRET_ENV]: 'the claim seed (STACK_XRP_CLAIM_SEED)' },
      payee: { [SECRET_ENV]: "the payee's own wallet seed, optional: it signs redemptions (POST /settlement/<peer>/redemption)" }
    }
  }
}

/** The two snippets as YAML with comments, indented by `indent` spaces. */
export function settlementYaml(channel: NewChannel, indent = 0): { payer: string; payee: string } {
  const amount = channel.amount.toString()
  const pad = (lines: string[]): string => lines.map((line) => `${' '.repeat(indent)}${line}`).join('\n')
  return {
    payer: pad([
      'settlement:',
      '  kind: xrp',
      `  account: ${channel.account}`,
      `  peerAccount: ${channel.destination}`,
      `  claims: ${CLAIMS_FILE}  # the claim store file; any path, peers may share one`,
      '  outgoing:',
      `    channelId: '${channel.channelId}'`,
      `    amount: '${amount}'  # raise it after each PaymentChannelFund is validated`,
      `    claimSecret: '${CLAIM_SECRET_PLACEHOLDER}'  # do not write the seed here: set ${CLAIM_SECRET_ENV}`
    ]),
    payee: pad([
      'settlement:',
      '  kind: xrp',
      `  account: ${channel.destination}`,
      `  peerAccount: ${channel.account}`,
      `  claims: ${CLAIMS_FILE}  # the claim store file; any path, peers may share one`,
      `  # secret: the payee's wallet seed, to sign redemptions; set ${SECRET_ENV}`,
      '  incoming:',
      `    - channelId: '${channel.channelId}'`,
      `      publicKey: '${channel.publicKey}'`,
      `      amount: '${amount}'  # raise it after each PaymentChannelFund is validated`
    ])
  }
}

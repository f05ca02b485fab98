import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { decode, verifySignature } from 'xrpl'
import { ConfigChecker, SharedResourcePool, type ConfigObject, type OpenedSettlement, type SettlementComponents } from '@stack/channel-core'
import { createCarrierPair } from '@stack/channel-core/compliance'
import { generateWallet, paymentChannelId } from '@stack/ledger-xrp'
import { claimKeyPairFromSeed, xrpSettlement, type XrpSettlementConfig } from '../src/index.js'

// The plug-in as a connector app uses it: a payer and a payee node open their sections over a
// carrier pair, and the payee answers the admin request `redemption`.
describe('xrpSettlement', () => {
  let dir: string
  const opened: OpenedSettlement[] = []
  afterEach(async () => {
    for (const settlement of opened.splice(0)) await settlement.close()
    rmSync(dir, { recursive: true, force: true })
  })

  async function open(section: ConfigObject, carrier: SettlementComponents['carrier']): Promise<OpenedSettlement> {
    const checker = new ConfigChecker()
    const file = (value: unknown, path: string) => {
      const name = checker.string(value, path)
      return name === undefined ? undefined : join(dir, name)
    }
    const config = xrpSettlement.check(section, { checker, path: 'settlement', asset: { code: 'XRP', scale: 6 }, file })
    expect(checker.issues).toEqual([])
    const settlement = await xrpSettlement.open(config as XrpSettlementConfig, { peerId: 'a', carrier, now: () => 1_700_000_000_000, logger: { info: () => {}, warn: () => {} }, shared: new SharedResourcePool().scope('xrp') })
    opened.push(settlement)
    return settlement
  }

  function ends(payeeSecret: boolean) {
    const a = generateWallet('secp256k1')
    const b = generateWallet('ed25519')
    const claimSecret = generateWallet('ed25519').seed as string
    const channelId = paymentChannelId(a.classicAddress, b.classicAddress, 7)
    return {
      channelId,
      payer: { kind: 'xrp', account: a.classicAddress, peerAccount: b.classicAddress, claims: 'a.claims', outgoing: { channelId, claimSecret, amount: '10000' } },
      payee: {
        kind: 'xrp', account: b.classicAddress, peerAccount: a.classicAddress, claims: 'b.claims',
        incoming: [{ channelId, publicKey: claimKeyPairFromSeed(claimSecret).publicKey, amount: '10000' }],
        ...(payeeSecret ? { secret: b.seed } : {})
      }
    }
  }

  it('answers a redemption: malformed (invalid), nothing held or no wallet (refused), else the signed PaymentChannelClaim of the best claim', async () => {
    dir = mkdtempSync(join(tmpdir(), 'xrp-plugin-'))
    const { channelId, payer, payee } = ends(true)
    const [payerSide, payeeSide] = createCarrierPair()
    const a = await open(payer, payerSide)
    const b = await open(payee, payeeSide)
    let credited = 0n
    b.channel.setValueHandler(({ amount }) => void (credited += amount))
    const redemption = b.requests?.redemption
    if (redemption === undefined) throw new Error('no redemption request')
    expect(xrpSettlement.requests).toEqual(['redemption'])

    expect(await redemption({ fee: 12, sequence: 1 })).toMatchObject({ status: 'invalid', error: expect.stringMatching(/^expected JSON/) })
    expect(await redemption({ fee: '12', sequence: 1 })).toEqual({ status: 'refused', error: 'we hold claims on 0 channels of a: name the channelId' })
    expect(await redemption({ fee: '12', sequence: 1, channelId })).toMatchObject({ status: 'refused', error: expect.stringMatching(/^NothingToRedeemError/) })

    await a.channel.sendValue(2_500n)
    expect(credited).toBe(2_500n)
    const result = await redemption({ fee: '12', sequence: 42 })
    expect(result).toMatchObject({ status: 'ok', body: { channelId, balance: 2_500n } })
    const blob = (result as { body: { txBlob: string } }).body.txBlob
    expect(verifySignature(blob)).toBe(true)
    expect(decode(blob)).toMatchObject({ TransactionType: 'PaymentChannelClaim', Account: payee.account, Channel: channelId, Balance: '2500', Sequence: 42, Fee: '12' })
    expect(a.summary()).toMatchObject({ outgoing: { channelId, sent: 2_500n } })
  })

  it('refuses a redemption without the payee wallet, naming why', async () => {
    dir = mkdtempSync(join(tmpdir(), 'xrp-plugin-'))
    const { channelId, payer, payee } = ends(false)
    const [payerSide, payeeSide] = createCarrierPair()
    const a = await open(payer, payerSide)
    const b = await open(payee, payeeSide)
    b.channel.setValueHandler(() => {})
    await a.channel.sendValue(100n)
    expect(await b.requests?.redemption?.({ fee: '12', sequence: 1, channelId })).toMatchObject({ status: 'refused', error: expect.stringMatching(/^InvalidChannelOptionError: .*wallet/) })
  })
})

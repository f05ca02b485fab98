import { HttpLink, IlpHttpServer } from '@stack/channel-http'
import { decodeReply, encodePrepare, encodeReply, IlpPacketType, PEER_PROTOCOL_CONDITION } from '@stack/ilp-core'
import { afterEach, describe, expect, it } from 'vitest'
import { HttpSettlementRefusedError, HttpSettleLink } from '../src/http-settle.js'

// Two ends of one ILP-over-HTTP peering, each an HttpSettleLink on a real listener.

const cleanups: (() => Promise<unknown>)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

async function pair(): Promise<{ a: HttpSettleLink; b: HttpSettleLink }> {
  const servers = { a: new IlpHttpServer({ accounts: { b: 'b-to-a' } }), b: new IlpHttpServer({ accounts: { a: 'a-to-b' } }) }
  await servers.a.listen()
  await servers.b.listen()
  const a = new HttpSettleLink(new HttpLink({ url: servers.b.url, token: 'a-to-b' }))
  const b = new HttpSettleLink(new HttpLink({ url: servers.a.url, token: 'b-to-a' }))
  servers.a.attach('b', a.http)
  servers.b.attach('a', b.http)
  cleanups.push(() => servers.a.close(), () => servers.b.close(), () => a.close(), () => b.close())
  const packets = (bytes: Uint8Array): Uint8Array => encodeReply({ type: IlpPacketType.Reject, code: 'F02', triggeredBy: 'test.b', message: `packet of ${bytes.length} bytes`, data: new Uint8Array(0) })
  a.setRequestHandler(packets)
  b.setRequestHandler(packets)
  await a.connect()
  await b.connect()
  return { a, b }
}

const prepare = (destination: string, data = new Uint8Array(0)): Uint8Array =>
  encodePrepare({ amount: 5n, destination, executionCondition: PEER_PROTOCOL_CONDITION, expiresAt: new Date(Date.now() + 10_000), data })

describe('a payment channel\'s messages over ILP over HTTP (peer.settle)', () => {
  it('delivers the amount and proof, and resolves once the peer took them', async () => {
    const { a, b } = await pair()
    const got: { amount: bigint; proof: string }[] = []
    b.setValueHandler(({ amount, proof }) => void got.push({ amount, proof: Buffer.from(proof).toString('hex') }))
    await a.sendValue(1_234n, { proof: new Uint8Array([1, 2, 3]) })
    await a.sendValue(0n, { proof: new Uint8Array(0) })
    await a.sendValue(0xffff_ffff_ffff_ffffn, { proof: new Uint8Array(300).fill(7) })
    expect(got).toEqual([{ amount: 1_234n, proof: '010203' }, { amount: 0n, proof: '' }, { amount: 0xffff_ffff_ffff_ffffn, proof: '07'.repeat(300) }])
    // Other Prepares reach the node's handler, not the channel.
    const reply = decodeReply(await a.request(prepare('test.b.x')))
    expect(reply.type === IlpPacketType.Reject && reply.message).toMatch(/^packet of/)
  })

  it('rejects with the peer\'s refusal, typed, and a peer without a channel refuses', async () => {
    const { a, b } = await pair()
    b.setValueHandler(() => {
      throw new RangeError('claim does not verify')
    })
    const refused = await a.sendValue(10n, { proof: new Uint8Array([9]) }).catch((error: unknown) => error)
    expect(refused).toBeInstanceOf(HttpSettlementRefusedError)
    expect(refused).toMatchObject({ name: 'HttpSettlementRefusedError', code: 'F99', reason: 'RangeError: claim does not verify' })
    b.setValueHandler(undefined)
    await expect(a.sendValue(10n, { proof: new Uint8Array(0) })).rejects.toMatchObject({ code: 'F02' })
    // A message too short for its amount is refused before any handler.
    const short = decodeReply(await a.request(prepare('peer.settle', new Uint8Array(3))))
    expect(short.type === IlpPacketType.Reject && short.code).toBe('F01')
  })

  it('refuses a message carrying ILP value, and never sends an amount outside UInt64', async () => {
    const { a, b } = await pair()
    const got: bigint[] = []
    b.setValueHandler(({ amount }) => void got.push(amount))
    // A Prepare of 5 to peer.settle: fulfilling it would take 5 the books never see.
    const paid = decodeReply(await a.request(prepare('peer.settle', new Uint8Array(8))))
    expect(paid.type === IlpPacketType.Reject && paid.code).toBe('F01')
    await expect(a.sendValue(-1n, { proof: new Uint8Array(0) })).rejects.toBeInstanceOf(RangeError)
    await expect(a.sendValue(1n << 64n, { proof: new Uint8Array(0) })).rejects.toBeInstanceOf(RangeError)
    expect(got).toEqual([])
  })
})

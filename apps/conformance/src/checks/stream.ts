import { IlpPacketType, type PrepareHandler } from '@stack/ilp-core'
import { parseSpspResponse, querySpsp, resolveSpspEndpoint, SPSP_CONTENT_TYPE, type SpspQueryResult } from '@stack/spsp'
import { createConnection, encrypt, encryptionKey, encodeStreamPacket, FrameType, decrypt, decodeStreamPacket, executionConditionOf, fulfillmentKey, verifyReceipt } from '@stack/stream'
import { randomBytes } from 'node:crypto'
import { fail, inGroup, notApplicable, NotApplicableError, pass, type Check, type Evidence } from '../check.js'
import { probePrepare, type Session } from '../session.js'

// SPSP (RFC 0009, payment pointers RFC 0026) and STREAM (RFC 0029) against a receiver reached
// through the node: money only as much as --max-value allows.

function pointer(session: Session): string {
  if (session.target.spsp === undefined) throw new NotApplicableError('needs a receiver (--spsp <pointer or URL>)')
  return session.target.spsp
}

/**
 * A fresh SPSP answer: each STREAM connection gets its own address and secret (RFC 0009
 * §Operation). Without one, STREAM cannot be judged: n/a (spsp.content-type says why).
 */
async function spsp(session: Session): Promise<SpspQueryResult> {
  const endpoint = pointer(session)
  try {
    return await querySpsp(endpoint, { allowInsecure: true })
  } catch (error) {
    throw new NotApplicableError(`no SPSP answer to open STREAM with (${(error as Error).name}: ${(error as Error).message})`)
  }
}

const isSpspType = (response: Response): boolean => (response.headers.get('content-type') ?? '').split(';')[0]?.trim().toLowerCase() === SPSP_CONTENT_TYPE

/** Sends through the first account, every packet counted and recorded. */
async function sender(session: Session, evidence: Evidence): Promise<PrepareHandler> {
  const account = await session.primary()
  return async (prepare) => {
    const reply = await account.send(prepare, evidence)
    if (reply instanceof Error) return { type: IlpPacketType.Reject, code: 'T01', triggeredBy: '', message: reply.message, data: new Uint8Array(0) }
    return reply
  }
}

/** Sends `amount` on one stream; passes when all of it was delivered. */
async function payCheck(session: Session, evidence: Evidence, amount: bigint, minExchangeRate: number | undefined) {
  const { destinationAccount, sharedSecret } = await spsp(session)
  session.budget.spend(amount)
  const connection = await createConnection({ destinationAccount, sharedSecret, sendPrepare: await sender(session, evidence), ...(minExchangeRate === undefined ? {} : { minExchangeRate, probe: false }) })
  try {
    const outcome = await connection.createStream().sendTotal(amount)
    evidence.received.push(`sendTotal(${amount}): ${outcome.type}, sent ${outcome.totalSent}, delivered ${outcome.totalDelivered}`)
    return outcome.type === 'sent' && outcome.totalSent === amount ? pass(`sent ${amount}, delivered ${outcome.totalDelivered}`) : fail(`${outcome.type}: sent ${outcome.totalSent} of ${amount}`)
  } finally {
    await connection.end().catch(() => undefined)
  }
}

export const streamChecks: Check<Session>[] = [
  ...inGroup<Session>('SPSP', [
  {
    id: 'spsp.content-type',
    source: 'RFC 0009 §Response Headers, §Response Body; RFC 0026',
    level: 'MUST',
    title: 'the SPSP endpoint answers application/spsp4+json with destination_account and a 32-byte shared_secret',
    sends: `one GET with Accept: ${SPSP_CONTENT_TYPE}`,
    async run(session, evidence) {
      const endpoint = resolveSpspEndpoint(pointer(session), { allowInsecure: true })
      evidence.sent.push(`GET ${endpoint}`)
      const response = await fetch(endpoint, { headers: { accept: `${SPSP_CONTENT_TYPE}, application/spsp+json` } })
      const type = response.headers.get('content-type') ?? ''
      evidence.received.push(`HTTP ${response.status} Content-Type: ${type} Cache-Control: ${response.headers.get('cache-control') ?? '(none)'}`)
      if (response.status !== 200) return fail(`HTTP ${response.status}`)
      if (!isSpspType(response)) return fail(`Content-Type ${type}`)
      const answer = parseSpspResponse(await response.json())
      evidence.received.push(`destination_account=${answer.destinationAccount} shared_secret=${answer.sharedSecret.length} bytes`)
      return pass(`${SPSP_CONTENT_TYPE}, destination ${answer.destinationAccount}`)
    },
  },
  {
    id: 'spsp.accept',
    source: 'RFC 0026 §Payment Initiation (Accept); RFC 0009 §Request; RFC 9110 §12.5.1',
    level: 'SHOULD',
    title: 'an Accept without the SPSP media type is not answered with SPSP (406 Not Acceptable)',
    sends: 'one GET with Accept: text/html',
    async run(session, evidence) {
      const endpoint = resolveSpspEndpoint(pointer(session), { allowInsecure: true })
      evidence.sent.push(`GET ${endpoint} Accept: text/html`)
      const response = await fetch(endpoint, { headers: { accept: 'text/html' } })
      await response.body?.cancel()
      evidence.received.push(`HTTP ${response.status} Content-Type: ${response.headers.get('content-type') ?? '(none)'}`)
      if (isSpspType(response)) return fail('answered application/spsp4+json to a client that did not ask for it')
      return response.status === 406 ? pass('406 Not Acceptable') : fail(`HTTP ${response.status}, not 406`)
    },
  },
  ]),
  ...inGroup<Session>('STREAM', [
  {
    id: 'stream.money-any-rate',
    source: 'RFC 0029 §4.4.2 Sending Money, §3.4 Exchange Rates',
    level: 'MUST',
    title: 'money on a stream with no minimum rate is delivered',
    sends: 'a STREAM connection and 10 units on one stream (counted against --max-value)',
    run: (session, evidence) => payCheck(session, evidence, 10n, 0),
  },
  {
    id: 'stream.money-probed-rate',
    source: 'RFC 0029 §3.4 Exchange Rates',
    level: 'MUST',
    title: 'money with the rate probed first (unfulfillable test packets, 1% slippage) is delivered',
    sends: 'rate probe packets, then 10 units on one stream (counted against --max-value)',
    run: (session, evidence) => payCheck(session, evidence, 10n, undefined),
  },
  {
    id: 'stream.min-amount',
    source: 'RFC 0029 §5.2 STREAM Packet (prepareAmount)',
    level: 'MUST',
    title: 'a Prepare carrying less than its STREAM prepareAmount is rejected, with an encrypted STREAM reply',
    sends: 'one 0-amount Prepare whose STREAM packet asks for at least 2^63 units',
    async run(session, evidence) {
      const { destinationAccount, sharedSecret } = await spsp(session)
      const key = encryptionKey(sharedSecret)
      const packet = encodeStreamPacket({ ilpPacketType: IlpPacketType.Prepare, sequence: 1n, prepareAmount: 1n << 63n, frames: [{ type: FrameType.StreamMoney, streamId: 1n, shares: 1n }] })
      // Fulfillable (RFC 0029 §6.2), so that a receiver ignoring prepareAmount shows by fulfilling; 0 units, so nothing moves.
      const data = new Uint8Array(encrypt(key, packet))
      const prepare = { ...probePrepare(destinationAccount, 0n, 10_000, data), executionCondition: executionConditionOf(fulfillmentKey(sharedSecret), data) }
      const reply = await (await session.primary()).send(prepare, evidence)
      if (reply instanceof Error) return fail(`no reply: ${reply.message}`)
      if (reply.type !== IlpPacketType.Reject) return fail('fulfilled a packet below its minimum')
      try {
        const answer = decodeStreamPacket(decrypt(key, reply.data))
        evidence.received.push(`STREAM reply sequence=${answer.sequence} type=${answer.ilpPacketType} prepareAmount(received)=${answer.prepareAmount}`)
        return answer.sequence === 1n && answer.ilpPacketType === IlpPacketType.Reject ? pass(`Reject ${reply.code} with a STREAM reply`) : fail('the STREAM reply does not match the request')
      } catch (error) {
        return fail(`Reject ${reply.code} without a readable STREAM reply (${(error as Error).message})`)
      }
    },
  },
  {
    id: 'stream.data-and-close',
    source: 'RFC 0029 §4.4.3 Sending Data, §4.6 Closing Connections',
    level: 'MUST',
    title: 'data on a stream is acknowledged and the connection closes cleanly',
    sends: 'a STREAM connection (no rate probe), 16 bytes of data on one stream, ConnectionClose',
    async run(session, evidence) {
      const { destinationAccount, sharedSecret } = await spsp(session)
      const connection = await createConnection({ destinationAccount, sharedSecret, sendPrepare: await sender(session, evidence), probe: false })
      try {
        await connection.createStream().write(Buffer.from('stack-conformance'))
        evidence.received.push('write: acknowledged')
        await connection.end()
        evidence.received.push('end: closed')
        return pass('data acknowledged, connection closed')
      } catch (error) {
        connection.destroy()
        return fail(`${(error as Error).name}: ${(error as Error).message}`)
      }
    },
  },
  {
    id: 'stream.receipts',
    source: 'RFC 0039 §SPSP, §Receipt',
    level: 'MUST',
    title: 'when the receiver offers receipts, its Fulfills carry one that verifies under our secret, with our nonce and at least what it was sent',
    sends: 'one GET with Receipt-Nonce and Receipt-Secret, then 10 units on one stream (counted against --max-value)',
    async run(session, evidence) {
      const nonce = randomBytes(16)
      const secret = randomBytes(32)
      const endpoint = resolveSpspEndpoint(pointer(session), { allowInsecure: true })
      evidence.sent.push(`GET ${endpoint} with Receipt-Nonce and Receipt-Secret (we act as the verifier)`)
      const response = await fetch(endpoint, { headers: { accept: SPSP_CONTENT_TYPE, 'receipt-nonce': nonce.toString('base64'), 'receipt-secret': secret.toString('base64') } })
      if (!isSpspType(response)) throw new NotApplicableError(`no SPSP answer to open STREAM with (HTTP ${response.status}, ${response.headers.get('content-type') ?? 'no Content-Type'})`)
      const answer = parseSpspResponse(await response.json())
      evidence.received.push(`HTTP ${response.status} receipts_enabled=${answer.receiptsEnabled}`)
      if (!answer.receiptsEnabled) return notApplicable('the receiver does not offer receipts (receipts_enabled is false)')
      session.budget.spend(10n)
      const { destinationAccount, sharedSecret } = answer
      const connection = await createConnection({ destinationAccount, sharedSecret, sendPrepare: await sender(session, evidence), minExchangeRate: 0, probe: false })
      try {
        const stream = connection.createStream()
        const outcome = await stream.sendTotal(10n)
        if (stream.receipt === undefined) return fail(`no receipt after ${outcome.type} (delivered ${outcome.totalDelivered})`)
        let receipt
        try {
          receipt = verifyReceipt(stream.receipt, secret)
        } catch (error) {
          return fail(`the receipt does not verify: ${(error as Error).message}`)
        }
        evidence.received.push(`receipt streamId=${receipt.streamId} totalReceived=${receipt.totalReceived} nonce ${Buffer.from(receipt.nonce).equals(nonce) ? 'ours' : 'not ours'}`)
        if (!Buffer.from(receipt.nonce).equals(nonce)) return fail('the receipt carries another nonce')
        if (receipt.totalReceived < outcome.totalDelivered) return fail(`the receipt says ${receipt.totalReceived}, ${outcome.totalDelivered} was delivered`)
        return pass(`receipt for ${receipt.totalReceived} on stream ${receipt.streamId}`)
      } finally {
        await connection.end().catch(() => undefined)
      }
    },
  },
  ]),
]

import { randomBytes } from 'node:crypto'
import { decodeAmountTooLargeData, IlpPacketType, isValidAddress, MAX_UINT64, type IlpReply } from '@stack/ilp-core'
import { fail, inGroup, notApplicable, pass, type Check } from '../check.js'
import { describeReply } from '../describe.js'
import { probePrepare, type Session } from '../session.js'

// ILPv4 (RFC 0027) and the connector requirements (RFC 0034), seen from the sender's side and,
// with a second account, from the receiver's. Every Prepare has a random condition: none can be
// fulfilled, so none moves value.

const tag = (): string => randomBytes(4).toString('hex')
const isReject = (r: IlpReply | Error, code?: string): r is Extract<IlpReply, { type: typeof IlpPacketType.Reject }> =>
  !(r instanceof Error) && r.type === IlpPacketType.Reject && (code === undefined || r.code === code)
const got = (r: IlpReply | Error): string =>
  r instanceof Error ? `no ILP reply (${r.message})` : r.type === IlpPacketType.Fulfill ? 'a Fulfill' : `Reject ${r.code} from ${JSON.stringify(r.triggeredBy)}`

/** Where a Prepare the node should refuse is sent: the second account when there is one (so forwarding shows), else under the node. */
async function refusedDestination(session: Session): Promise<string> {
  if (session.target.second !== undefined) return session.secondAddress()
  return `${await session.nodeAddress()}.conformance-${tag()}`
}

/** Sends to a destination nobody has: the reply the F02 and triggeredBy checks judge (sent once per run). */
const unknownReplies = new WeakMap<Session, Promise<IlpReply | Error>>()
async function unknownDestinationReply(session: Session, evidence: Parameters<Check<Session>['run']>[1]): Promise<IlpReply | Error> {
  let reply = unknownReplies.get(session)
  if (reply === undefined) {
    const destination = `${await session.nodeAddress()}.conformance-unknown-${tag()}`
    reply = session.primary().then((a) => a.send(probePrepare(destination, 0n, 10_000), evidence))
    unknownReplies.set(session, reply)
  }
  return reply
}

export const ilpChecks: Check<Session>[] = inGroup('ILPv4', [
  {
    id: 'ilp.expired-prepare',
    source: 'RFC 0027 §Flow step 10, §R00; RFC 0034 §ILP Prepare',
    level: 'MUST',
    title: 'an expired Prepare is rejected R00, not forwarded',
    sends: 'one 0-amount Prepare that expired a second ago (to the second account when given)',
    async run(session, evidence) {
      const destination = await refusedDestination(session)
      const second = session.target.second === undefined ? undefined : await session.second()
      const before = second?.received.length ?? 0
      const reply = await (await session.primary()).send(probePrepare(destination, 0n, -1_000), evidence)
      if (second !== undefined && second.received.length > before) return fail('the node forwarded a Prepare that had already expired')
      if (isReject(reply, 'R00')) return pass('rejected R00')
      return fail(`expected Reject R00, got ${got(reply)}`)
    },
  },
  {
    id: 'ilp.malformed-prepare',
    source: 'RFC 0027 §F01 Invalid Packet',
    level: 'MUST',
    title: 'a Prepare that does not parse is rejected F01',
    sends: 'one Prepare whose destination is not an ILP address ("not an address!")',
    async run(session, evidence) {
      const reply = await (await session.primary()).sendBytes(malformedPrepare(), evidence, 'ILP Prepare (type 12) with destination "not an address!" (invalid per RFC 0015)')
      if (isReject(reply, 'F01')) return pass('rejected F01')
      return fail(`expected Reject F01, got ${got(reply)}`)
    },
  },
  {
    id: 'ilp.unknown-destination',
    source: 'RFC 0027 §F02 Unreachable',
    level: 'MUST',
    title: 'a destination without a route is rejected F02',
    sends: 'one 0-amount Prepare to <node>.conformance-unknown-<random>',
    async run(session, evidence) {
      const reply = await unknownDestinationReply(session, evidence)
      if (isReject(reply, 'F02')) return pass('rejected F02')
      return fail(`expected Reject F02, got ${got(reply)}`)
    },
  },
  {
    id: 'ilp.triggered-by',
    source: 'RFC 0027 §ILP Reject (triggeredBy)',
    level: 'MUST',
    title: 'a Reject the node makes names it in triggeredBy',
    sends: 'nothing more (reads the reply to the unknown-destination Prepare, or sends it)',
    async run(session, evidence) {
      const reply = await unknownDestinationReply(session, evidence)
      if (evidence.received.length === 0) evidence.received.push(`(the reply to ilp.unknown-destination) ${reply instanceof Error ? reply.message : describeReply(reply)}`)
      if (!isReject(reply)) return notApplicable(`no Reject to read (${got(reply)})`)
      if (!isValidAddress(reply.triggeredBy)) return fail(`triggeredBy ${JSON.stringify(reply.triggeredBy)} is not an ILP address`)
      const node = await session.nodeAddress()
      if (reply.triggeredBy !== node) return fail(`triggeredBy ${reply.triggeredBy} is not the node (${node})`)
      return pass(`triggeredBy ${reply.triggeredBy}`)
    },
  },
  {
    id: 'ilp.amount-too-large',
    source: 'RFC 0027 §F08 Amount Too Large; asn1/InterledgerErrorData.asn',
    level: 'SHOULD',
    title: 'over the maximum packet amount: F08 with the received and maximum amounts in its data',
    sends: 'one Prepare of 2^64-1 units with a random condition (unfulfillable) to the second account',
    async run(session, evidence) {
      const destination = await session.secondAddress()
      const second = await session.second()
      const before = second.received.length
      const reply = await (await session.primary()).send(probePrepare(destination, MAX_UINT64, 10_000), evidence)
      if (second.received.length > before) return notApplicable('the node forwarded 2^64-1 units: it has no maximum packet amount on this account')
      if (!isReject(reply, 'F08')) return notApplicable(`refused otherwise (${got(reply)}): no maximum packet amount seen`)
      let data
      try {
        data = decodeAmountTooLargeData(reply.data)
      } catch (error) {
        return fail(`F08 data is not {receivedAmount, maximumAmount}: ${(error as Error).message}`)
      }
      evidence.received.push(`F08 data: receivedAmount=${data.receivedAmount} maximumAmount=${data.maximumAmount}`)
      if (data.receivedAmount !== MAX_UINT64) return fail(`receivedAmount ${data.receivedAmount} is not the amount sent (${MAX_UINT64})`)
      if (data.maximumAmount >= data.receivedAmount) return fail(`maximumAmount ${data.maximumAmount} is not below receivedAmount`)
      return pass(`F08 with receivedAmount=${data.receivedAmount} maximumAmount=${data.maximumAmount}`)
    },
  },
  {
    id: 'ilp.wrong-fulfillment',
    source: 'RFC 0027 §Flow step 10',
    level: 'MUST',
    title: 'a Fulfill whose fulfillment does not hash to the condition is not passed back',
    sends: 'one 0-amount Prepare to the second account, which answers a Fulfill with a random fulfillment',
    async run(session, evidence) {
      const destination = await session.secondAddress()
      const second = await session.second()
      const before = second.received.length
      second.answerWith(() => {
        const fulfillment = randomBytes(32)
        evidence.sent.push(`second: ILP Fulfill with a wrong fulfillment ${fulfillment.subarray(0, 8).toString('hex')}…`)
        return { type: IlpPacketType.Fulfill, fulfillment, data: new Uint8Array(0) }
      })
      try {
        const reply = await (await session.primary()).send(probePrepare(destination, 0n, 10_000), evidence)
        if (second.received.length === before) return notApplicable(`the Prepare did not reach the second account (${got(reply)})`)
        if (isReject(reply)) return pass(`the sender got ${got(reply)}`)
        return fail(`the sender got ${got(reply)}`)
      } finally {
        second.answerWith(undefined)
      }
    },
  },
  {
    id: 'ilp.expiry-reduced',
    source: 'RFC 0027 §ILP Prepare (expiresAt), §Flow step 6',
    level: 'MUST',
    title: 'the node moves expiresAt earlier when it forwards',
    sends: 'one 0-amount Prepare to the second account (which rejects it)',
    async run(session, evidence) {
      const destination = await session.secondAddress()
      const second = await session.second()
      const before = second.received.length
      const prepare = probePrepare(destination, 0n, 10_000)
      const reply = await (await session.primary()).send(prepare, evidence)
      const forwarded = second.received[before]
      if (forwarded === undefined) return notApplicable(`the Prepare did not reach the second account (${got(reply)})`)
      const reducedBy = prepare.expiresAt.getTime() - forwarded.expiresAt.getTime()
      evidence.received.push(`second: got expiresAt=${forwarded.expiresAt.toISOString()} (${reducedBy} ms earlier)`)
      return reducedBy > 0 ? pass(`expiry reduced by ${reducedBy} ms`) : fail(`expiry not reduced (${reducedBy} ms)`)
    },
  },
])

/** Type 12 with a well-formed envelope whose destination breaks RFC 0015 (a space and a '!'). */
export function malformedPrepare(): Uint8Array {
  const destination = Buffer.from('not an address!', 'ascii')
  const expiresAt = Buffer.from('20991231235959000', 'ascii')
  const body = Buffer.concat([Buffer.alloc(8), expiresAt, randomBytes(32), Buffer.from([destination.length]), destination, Buffer.from([0])])
  return Buffer.concat([Buffer.from([12, body.length]), body])
}

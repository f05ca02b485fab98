import { randomBytes, randomUUID } from 'node:crypto'
import {
  CCP_UPDATE_DESTINATION,
  CcpMode,
  IlpPacketType,
  readRouteUpdatePrepare,
  routeControlPrepare,
  routeUpdatePrepare,
  type CcpRouteUpdateRequest,
} from '@stack/ilp-core'
import { fail, inGroup, NotApplicableError, pass, UnexpectedAnswerError, type Check, type CheckRow, type Evidence, type Verdict } from '../check.js'
import { probePrepare, type Account, type Session } from '../session.js'

// CCP, the route broadcasting draft (0000-route-broadcasting-protocol, PR 455), from a peer
// account. Whether a route was taken shows only in where packets go: the second account sends a
// 0-amount Prepare into the prefix, and the check sees whether it reaches us.

const tag = (): string => randomBytes(4).toString('hex')

/** Our side of the route exchange: one routing table, its epochs counted here. */
interface Speaker {
  readonly address: string
  readonly tableId: string
  epoch: number
}
const speakers = new WeakMap<Session, Speaker>()

async function peerAccount(session: Session): Promise<Account> {
  if (session.target.relation !== 'peer') throw new NotApplicableError('the account is a child: CCP runs between peers (--relation peer)')
  return session.primary()
}

async function speaker(session: Session): Promise<Speaker> {
  let s = speakers.get(session)
  if (s === undefined) {
    const scheme = (await session.nodeAddress()).split('.')[0] ?? 'test'
    s = { address: `${scheme}.conformance-${tag()}`, tableId: randomUUID(), epoch: 0 }
    speakers.set(session, s)
  }
  return s
}

/** Sends one route update (one epoch) with `added` and `withdrawn`; fails the check unless fulfilled. */
async function advertise(session: Session, evidence: Evidence, added: string[], withdrawn: string[]): Promise<void> {
  const account = await peerAccount(session)
  const s = await speaker(session)
  const update: CcpRouteUpdateRequest = {
    routingTableId: s.tableId,
    currentEpochIndex: s.epoch + 1,
    fromEpochIndex: s.epoch,
    toEpochIndex: s.epoch + 1,
    holdDownTime: 30_000,
    speaker: s.address,
    newRoutes: added.map((prefix) => ({ prefix, path: [s.address], auth: new Uint8Array(32), props: [] })),
    withdrawnRoutes: withdrawn,
  }
  evidence.sent.push(`route update epoch ${s.epoch}→${s.epoch + 1}: new [${added.join(', ')}] withdrawn [${withdrawn.join(', ')}]`)
  const reply = await account.send(routeUpdatePrepare(update, new Date(Date.now() + 30_000)), evidence)
  if (reply instanceof Error || reply.type !== IlpPacketType.Fulfill) throw new UnexpectedAnswerError('the node did not fulfill our route update')
  s.epoch++
}

/** Does a 0-amount Prepare from the second account to `destination` reach us? */
async function reachesUs(session: Session, evidence: Evidence, destination: string): Promise<boolean> {
  const us = await peerAccount(session)
  const second = await session.second()
  const before = us.received.length
  await second.send(probePrepare(destination, 0n, 10_000), evidence)
  const arrived = us.received.slice(before).some((p) => p.destination === destination)
  evidence.received.push(arrived ? `account: got the Prepare for ${destination}` : `account: nothing for ${destination}`)
  return arrived
}

/** A route the node should refuse: advertised, probed, withdrawn again. */
function refusal(id: string, title: string, prefixOf: (node: string, scheme: string) => string): CheckRow<Session> {
  return {
    id,
    source: 'route broadcasting draft §Routing Table, §Security of Routing Information; RFC 0015 §Allocation Schemes',
    level: 'SHOULD',
    title,
    sends: 'one route update with that prefix, one 0-amount Prepare into it from the second account, one update withdrawing it',
    async run(session, evidence): Promise<Verdict> {
      await session.second()
      const node = await session.nodeAddress()
      const scheme = node.split('.')[0] ?? 'test'
      const prefix = prefixOf(node, scheme)
      await advertise(session, evidence, [prefix], [])
      try {
        const probe = prefix === scheme ? `${scheme}.conformance-global-${tag()}` : `${prefix}.conformance-${tag()}`
        return (await reachesUs(session, evidence, probe)) ? fail(`the node took our route for ${prefix}`) : pass(`the node did not route ${probe} to us`)
      } finally {
        await advertise(session, evidence, [], [prefix])
      }
    },
  }
}

export const ccpChecks: Check<Session>[] = inGroup('CCP', [
  {
    id: 'ccp.route-control',
    source: 'route broadcasting draft §Route Control',
    level: 'MUST',
    title: 'a route control request (mode sync) is fulfilled',
    sends: 'one route control Prepare to peer.route.control',
    async run(session, evidence) {
      const account = await peerAccount(session)
      const request = { mode: CcpMode.Sync, lastKnownRoutingTableId: '00000000-0000-0000-0000-000000000000', lastKnownEpoch: 0, features: [] }
      const reply = await account.send(routeControlPrepare(request, new Date(Date.now() + 30_000)), evidence)
      if (reply instanceof Error) return fail(`no reply: ${reply.message}`)
      return reply.type === IlpPacketType.Fulfill ? pass('fulfilled') : fail(`Reject ${reply.code}: ${reply.message}`)
    },
  },
  {
    id: 'ccp.update-epochs',
    source: 'route broadcasting draft §Epoch, §Route Update',
    level: 'MUST',
    title: 'the node\'s route updates come with contiguous epochs (each from the last one\'s to)',
    sends: 'nothing (after route control, waits for the node\'s updates, acknowledging each)',
    async run(session, evidence) {
      const account = await peerAccount(session)
      const updates = (): CcpRouteUpdateRequest[] => account.received.filter((p) => p.destination === CCP_UPDATE_DESTINATION).map(readRouteUpdatePrepare)
      const deadline = Date.now() + session.target.ccpWaitMs
      while (updates().length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50))
      const seen = updates()
      for (const u of seen) evidence.received.push(`route update table ${u.routingTableId} epochs ${u.fromEpochIndex}→${u.toEpochIndex} of ${u.currentEpochIndex}, ${u.newRoutes.length} new, ${u.withdrawnRoutes.length} withdrawn`)
      if (seen.length === 0) return fail(`no route update within ${session.target.ccpWaitMs} ms of route control`)
      for (const [i, u] of seen.entries()) {
        if (u.fromEpochIndex > u.toEpochIndex || u.toEpochIndex > u.currentEpochIndex) return fail(`update ${i}: epochs ${u.fromEpochIndex}→${u.toEpochIndex} of ${u.currentEpochIndex} are out of order`)
        const prev = seen[i - 1]
        if (prev !== undefined && prev.routingTableId === u.routingTableId && u.fromEpochIndex > prev.toEpochIndex) return fail(`update ${i} starts at ${u.fromEpochIndex}, after a gap from ${prev.toEpochIndex}`)
      }
      return pass(`${seen.length} update(s), epochs contiguous`)
    },
  },
  {
    id: 'ccp.route-withdrawal',
    source: 'route broadcasting draft §Route Update (withdrawnRoutes)',
    level: 'MUST',
    title: 'a route we advertise is used, and no longer once we withdraw it',
    sends: 'one update adding <scheme>.conformance-<random>, a 0-amount Prepare into it from the second account, one update withdrawing it, the Prepare again',
    async run(session, evidence) {
      await session.second()
      const s = await speaker(session)
      const prefix = `${s.address}.pay`
      await advertise(session, evidence, [prefix], [])
      if (!(await reachesUs(session, evidence, `${prefix}.one`))) {
        await advertise(session, evidence, [], [prefix])
        return fail(`the node did not route into ${prefix} after our update`)
      }
      await advertise(session, evidence, [], [prefix])
      return (await reachesUs(session, evidence, `${prefix}.two`)) ? fail('the node still routes to us after the withdrawal') : pass('routed while advertised, not after the withdrawal')
    },
  },
  refusal('ccp.refuse-own-address', 'a route for the node\'s own address is refused', (node) => node),
  refusal('ccp.refuse-under-own-address', 'a route under the node\'s own address is refused', (node) => `${node}.conformance-${tag()}`),
  refusal('ccp.refuse-other-scheme', 'a route in another allocation scheme is refused', (_node, scheme) => `${scheme === 'g' ? 'test' : 'g'}.conformance-${tag()}`),
  refusal('ccp.refuse-global-prefix', 'a route for the global prefix itself is refused', (_node, scheme) => scheme),
])

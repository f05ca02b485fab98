import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { SharedReservation } from '../src/index.js'
import { engines, freshPeer, serverAndClient } from './servers.js'

// The in-memory model of a balance store (ilp-connector's InMemoryBalanceStore semantics).
interface Account {
  balance: bigint
  pendingDebit: bigint
  pendingCredit: bigint
  settled: { sent: bigint; received: bigint } | undefined
}

type Command =
  | { readonly c: 'reserve'; readonly peer: number; readonly delta: bigint; readonly min: bigint | undefined }
  | { readonly c: 'commit' | 'release'; readonly hold: number }
  | { readonly c: 'adjust'; readonly peer: number; readonly delta: bigint; readonly reason: string | undefined }
  | { readonly c: 'apply' | 'adopt'; readonly peer: number; readonly sent: bigint; readonly received: bigint }

const amount = fc.bigInt({ min: -50n, max: 50n })
const command: fc.Arbitrary<Command> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ c: fc.constant('reserve' as const), peer: fc.nat(2), delta: amount, min: fc.option(fc.bigInt({ min: -100n, max: 0n }), { nil: undefined }) }) },
  { weight: 3, arbitrary: fc.record({ c: fc.constantFrom('commit' as const, 'release' as const), hold: fc.nat(40) }) },
  { weight: 1, arbitrary: fc.record({ c: fc.constant('adjust' as const), peer: fc.nat(2), delta: amount, reason: fc.option(fc.constantFrom('wire', 'refund'), { nil: undefined }) }) },
  { weight: 1, arbitrary: fc.record({ c: fc.constantFrom('apply' as const, 'adopt' as const), peer: fc.nat(2), sent: fc.bigInt({ min: 0n, max: 60n }), received: fc.bigInt({ min: 0n, max: 60n }) }) },
)

describe.each(engines)('the $name store against the in-memory model (property)', (engine) => {
  const { store } = serverAndClient(engine)

  it('answers every command as the model does, its view and the store agree, and the journal squares', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(command, { maxLength: 40 }), async (commands) => {
        const peers = [freshPeer('a'), freshPeer('b'), freshPeer('c')]
        const model = new Map<string, Account>(peers.map((p) => [p, { balance: 0n, pendingDebit: 0n, pendingCredit: 0n, settled: undefined }]))
        const holds: { hold: SharedReservation; state: 'pending' | 'committed' | 'released' }[] = []
        for (const cmd of commands) {
          if (cmd.c === 'reserve') {
            const peer = peers[cmd.peer] as string
            const a = model.get(peer) as Account
            const refused = cmd.delta < 0n && cmd.min !== undefined && a.balance + a.pendingDebit + cmd.delta < cmd.min
            const held = store().reserve(peer, cmd.delta, cmd.min, new Date(Date.now() + 60_000))
            if (refused) {
              await expect(held).rejects.toMatchObject({ name: 'InsufficientBalanceError', available: a.balance + a.pendingDebit })
            } else {
              holds.push({ hold: await held, state: 'pending' })
              if (cmd.delta < 0n) a.pendingDebit += cmd.delta
              else a.pendingCredit += cmd.delta
            }
          } else if (cmd.c === 'commit' || cmd.c === 'release') {
            const entry = holds[cmd.hold]
            if (entry === undefined) continue
            const a = model.get(entry.hold.peerId) as Account
            const first = entry.state === 'pending'
            expect(await (cmd.c === 'commit' ? entry.hold.commit() : entry.hold.release())).toBe(first)
            if (first) {
              entry.state = cmd.c === 'commit' ? 'committed' : 'released'
              if (entry.hold.delta < 0n) a.pendingDebit -= entry.hold.delta
              else a.pendingCredit -= entry.hold.delta
              if (cmd.c === 'commit') a.balance += entry.hold.delta
            }
          } else if (cmd.c === 'adjust') {
            const peer = peers[cmd.peer] as string
            const a = model.get(peer) as Account
            a.balance += cmd.delta
            expect(await store().adjust(peer, cmd.delta, cmd.reason)).toBe(a.balance)
          } else if (cmd.c === 'apply' || cmd.c === 'adopt') {
            const peer = peers[cmd.peer] as string
            const a = model.get(peer) as Account
            const totals = { sent: cmd.sent, received: cmd.received }
            if (cmd.c === 'adopt') {
              expect(await store().adoptSettled(peer, totals)).toBe(a.settled === undefined)
              a.settled ??= totals
            } else {
              const before = a.settled ?? { sent: 0n, received: 0n }
              if (totals.sent < before.sent || totals.received < before.received) {
                await expect(store().applySettled(peer, totals)).rejects.toMatchObject({ name: 'SettledTotalsBehindError' })
              } else {
                const added = { sent: totals.sent - before.sent, received: totals.received - before.received }
                expect(await store().applySettled(peer, totals)).toEqual(added)
                a.balance += added.received - added.sent
                a.settled = totals
              }
            }
          }
        }
        // The view (each op's answer) and the store itself (read back) both agree with the model.
        for (const [peer, a] of model) {
          const expected = { balance: a.balance, pendingDebit: a.pendingDebit, pendingCredit: a.pendingCredit }
          if (commands.some((cmd) => 'peer' in cmd && peers[cmd.peer] === peer)) expect(store().get(peer)).toEqual(expected)
        }
        await store().refresh()
        for (const [peer, a] of model) {
          if (store().snapshot().has(peer)) {
            expect(store().get(peer)).toEqual({ balance: a.balance, pendingDebit: a.pendingDebit, pendingCredit: a.pendingCredit })
            expect(store().settled(peer)).toEqual(a.settled)
          }
        }
        await store().audit()
      }),
      { numRuns: 30 },
    )
  })

  it('adds exactly across every magnitude, small (doubles) and large (limbs) (property)', async () => {
    const magnitude = fc.oneof(fc.bigInt({ min: -(10n ** 16n), max: 10n ** 16n }), fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }))
    await fc.assert(
      fc.asyncProperty(fc.array(magnitude, { minLength: 1, maxLength: 8 }), async (deltas) => {
        const peer = freshPeer('sum')
        let expected = 0n
        for (const delta of deltas) {
          expected += delta
          expect(await store().adjust(peer, delta)).toBe(expected)
        }
        // The credit check compares exactly too: one unit more than available is refused.
        await expect(store().reserve(peer, -1n, expected)).rejects.toMatchObject({ name: 'InsufficientBalanceError', available: expected })
        await (await store().reserve(peer, -1n, expected - 1n)).release() // exactly to the minimum
      }),
      { numRuns: 40 },
    )
  })
})

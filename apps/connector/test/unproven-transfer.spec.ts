import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { BtpClient } from '@stack/channel-btp'
import { LinkRemoteError } from '@stack/channel-core'
import { IlpPacketType } from '@stack/ilp-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { book, buildBin, killBins, metric, startBin, type RunningBin } from './bin.js'
import { freePort, host, intents, token, waitFor, type Host } from './harness.js'

// A BTP TRANSFER is an amount and, for a payment channel, a claim. A peer without a settlement
// kind has no claim to check: its TRANSFER must never move its balance (RFC 0023 §Transfer: an
// Error, and the balance MUST NOT change). Only `kind: trusted-transfer` credits plain amounts.

let dir: string
beforeAll(() => {
  buildBin()
  dir = mkdtempSync(join(tmpdir(), 'stack-connector-unproven-'))
}, 130_000)
afterAll(() => {
  killBins()
  rmSync(dir, { recursive: true, force: true })
})

async function node(name: string, peers: Record<string, unknown>[]): Promise<{ bin: RunningBin; url: (id: string) => string; secrets: Record<string, string> }> {
  const port = await freePort()
  const secrets = Object.fromEntries(peers.map((p) => [p.id as string, token()]))
  const bin = await startBin(join(dir, `${name}.json`), {
    address: 'test.n',
    asset: { code: 'USD', scale: 6 },
    listen: { btp: { port } },
    admin: { port: 0 },
    peers: peers.map((p) => ({ relation: 'child', btp: { token: secrets[p.id as string] }, ...p })),
    balances: { store: 'memory' },
    log: { level: 'info' },
  })
  return { bin, url: (id) => `btp+ws://${id}:${secrets[id]}@127.0.0.1:${port}`, secrets }
}

async function stop(bin: RunningBin, ...hosts: Host[]): Promise<void> {
  for (const h of hosts) await h.close()
  bin.child.kill('SIGTERM')
  expect(await bin.exited).toBe(0)
}

describe('a peer with no settlement kind', () => {
  it('sends a TRANSFER of 10^9 with no claim: refused, its balance unmoved, and it cannot spend it (T04)', async () => {
    const { bin, url } = await node('attack', [{ id: 'mallory', minBalance: '-1000' }, { id: 'victim' }])
    const shared = intents()
    const victim = await host(url('victim'), shared)
    const mallory = await host(url('mallory'), shared)

    const transfer = (mallory.link as BtpClient).sendValue(10n ** 9n)
    await expect(transfer).rejects.toBeInstanceOf(LinkRemoteError)
    await expect(transfer).rejects.toMatchObject({ code: 'F00' })
    expect(await book(bin, 'mallory')).toEqual({ balance: 0n, pendingDebit: 0n, pendingCredit: 0n })

    const reply = await mallory.pay('test.n.victim', 500_000n, 'fulfill')
    expect(reply).toMatchObject({ type: IlpPacketType.Reject, code: 'T04' })
    expect(victim.seen).toEqual([])
    expect(await book(bin, 'mallory')).toEqual({ balance: 0n, pendingDebit: 0n, pendingCredit: 0n })
    expect((await book(bin, 'victim')).balance).toBe(0n)

    const metrics = await bin.metrics()
    expect(metric(metrics, 'ilp_connector_unproven_transfers_total', { peer: 'mallory', result: 'refused' })).toBe(1)
    expect(metric(metrics, 'ilp_connector_unproven_transfer_amount_total', { peer: 'mallory', result: 'refused' })).toBe(1e9)
    expect(metric(metrics, 'ilp_connector_settlements_total', { result: 'received' })).toBe(0)
    expect(bin.logs().filter((l) => l.peer === 'mallory' && l.amount === '1000000000' && /refused/.test(String(l.msg)))).toHaveLength(1)
    await stop(bin, mallory, victim)
  }, 30_000)
})

describe('kind: trusted-transfer', () => {
  it('credits a plain TRANSFER (logged, counted), and pays over one past settleThreshold', async () => {
    const { bin, url } = await node('trusted', [
      { id: 'trusty', minBalance: '-1000', settlement: { kind: 'trusted-transfer' } },
      { id: 'payee', settleThreshold: '5000', settleTo: '0', settlement: { kind: 'trusted-transfer' } },
    ])
    const shared = intents()
    const payee = await host(url('payee'), shared)
    const received: bigint[] = []
    ;(payee.link as BtpClient).setValueHandler(({ amount }) => {
      received.push(amount)
    })
    const trusty = await host(url('trusty'), shared)

    await (trusty.link as BtpClient).sendValue(5_000n)
    expect((await book(bin, 'trusty')).balance).toBe(5_000n) // we owe trusty what it says it paid
    let metrics = await bin.metrics()
    expect(metric(metrics, 'ilp_connector_unproven_transfers_total', { peer: 'trusty', result: 'credited' })).toBe(1)
    expect(metric(metrics, 'ilp_connector_unproven_transfer_amount_total', { peer: 'trusty', result: 'credited' })).toBe(5_000)
    expect(bin.logs().filter((l) => l.peer === 'trusty' && l.amount === '5000' && /credited/.test(String(l.msg)))).toHaveLength(1)

    // Credit: 5 000 paid + 1 000 extended. 5 500 goes through; past that, T04.
    expect(await trusty.pay('test.n.payee', 5_500n, 'fulfill')).toMatchObject({ type: IlpPacketType.Fulfill })
    expect(await trusty.pay('test.n.payee', 600n, 'fulfill')).toMatchObject({ type: IlpPacketType.Reject, code: 'T04' })
    expect(payee.delivered).toEqual([5_500n])
    expect((await book(bin, 'trusty')).balance).toBe(-500n)

    // We owed payee 5 500 ≥ its threshold: paid by a plain TRANSFER, both books say so.
    await waitFor(() => received.length > 0, 5_000, 'the TRANSFER paying payee')
    expect(received).toEqual([5_500n])
    expect((await book(bin, 'payee')).balance).toBe(0n)
    metrics = await bin.metrics()
    expect(metric(metrics, 'ilp_connector_settlements_total', { result: 'sent' })).toBe(1)
    expect(metric(metrics, 'ilp_connector_unproven_transfers_total', { peer: 'payee', result: 'credited' })).toBe(0)
    await stop(bin, trusty, payee)
  }, 30_000)
})

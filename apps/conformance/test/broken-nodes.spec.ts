import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { brokenNode, type BrokenNode, type Defect } from './broken-node.js'
import { conformance, startReceiver, table } from './nodes.js'

// The suite catches what it claims: against a connector with one defect it fails exactly the
// checks that defect breaks, and nothing else (BTP, ILDCP and ILPv4 groups).

const failing: Record<Exclude<Defect, 'bad-epochs' | 'ignores-withdrawal'>, string[]> = {
  none: [],
  'keeps-expiry': ['ilp.expiry-reduced'],
  'empty-triggered-by': ['ilp.triggered-by'],
  'passes-wrong-fulfillment': ['ilp.wrong-fulfillment'],
  'f08-without-data': ['ilp.amount-too-large'],
  'accepts-any-token': ['btp.auth-wrong-token'],
  'ignores-expiry': ['ilp.expired-prepare'],
}

describe('stack-conformance against deliberately broken connectors', () => {
  let node: BrokenNode | undefined
  afterEach(async () => {
    await node?.stop()
    node = undefined
  })

  for (const [defect, expected] of Object.entries(failing) as [Defect, string[]][]) {
    it(`${defect}: fails ${expected.length === 0 ? 'nothing' : expected.join(', ')}`, async () => {
      node = await brokenNode(defect)
      const { code, results } = await conformance([node.urls.conf, '--second', node.urls.second, '--only', 'btp,ildcp,ilpv4'])
      expect(results.filter((r) => r.outcome === 'fail').map((r) => r.id)).toEqual(expected)
      // Everything else that ran passed (n/a only where no second party or receiver was given).
      expect(results.filter((r) => r.outcome === 'n/a').map((r) => r.id)).toEqual([])
      // Exit 1 for a broken MUST; a SHOULD (F08's data) is reported but leaves the exit at 0.
      expect(code).toBe(results.some((r) => r.outcome === 'fail' && r.level === 'MUST') ? 1 : 0)
      expect(code).toBe(expected.length === 0 || defect === 'f08-without-data' ? 0 : 1)
    })
  }

  // CCP, from the node's peer account (the second account probes where packets go).
  const ccpFailing: Partial<Record<Defect, string[]>> = {
    none: [],
    'bad-epochs': ['ccp.update-epochs'],
    'ignores-withdrawal': ['ccp.route-withdrawal'],
  }
  for (const [defect, expected] of Object.entries(ccpFailing) as [Defect, string[]][]) {
    it(`${defect} (CCP): fails ${expected.length === 0 ? 'nothing' : expected.join(', ')}`, async () => {
      node = await brokenNode(defect)
      const { code, results } = await conformance([node.urls.peer, '--relation', 'peer', '--node-address', 'test.broken', '--second', node.urls.second, '--only', 'ccp', '--ccp-wait', '5000'])
      expect(results).toHaveLength(7)
      expect(results.filter((r) => r.outcome !== 'pass').map((r) => r.id)).toEqual(expected)
      expect(code).toBe(expected.length === 0 ? 0 : 1)
    })
  }

  it('an SPSP endpoint answering application/json: fails spsp.content-type, and STREAM is n/a (nothing to open it with)', async () => {
    node = await brokenNode('none')
    const receiver = await startReceiver(node.urls.receiver)
    // The defect: the receiver's SPSP answer relabelled application/json.
    const proxy = createServer((request, response) => {
      void fetch(receiver.spspUrl, { headers: { accept: request.headers.accept ?? '' } }).then(async (answer) => {
        response.writeHead(answer.status, { 'content-type': 'application/json' }).end(await answer.text())
      })
    })
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve))
    try {
      const spsp = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}/.well-known/pay`
      const { code, results } = await conformance([node.urls.conf, '--spsp', spsp, '--only', 'spsp,stream'])
      expect(table(results)).toEqual({
        'spsp.content-type': 'fail',
        'spsp.accept': 'pass',
        'stream.money-any-rate': 'n/a',
        'stream.money-probed-rate': 'n/a',
        'stream.min-amount': 'n/a',
        'stream.data-and-close': 'n/a',
        'stream.receipts': 'n/a',
      })
      expect(code).toBe(1)
      expect(receiver.received()).toBe(0n)
    } finally {
      proxy.close()
      await receiver.close()
    }
  })

  it('a receiver signing receipts with a secret of its own: fails exactly stream.receipts', async () => {
    node = await brokenNode('none')
    const receiver = await startReceiver(node.urls.receiver, 'foreign-receipts')
    try {
      const { code, results, byId } = await conformance([node.urls.conf, '--spsp', receiver.spspUrl, '--only', 'spsp,stream'])
      expect(results.filter((r) => r.outcome !== 'pass').map((r) => r.id)).toEqual(['stream.receipts'])
      expect(byId.get('stream.receipts')?.reason).toBe('the receipt does not verify: receipt HMAC does not match the secret')
      expect(code).toBe(1)
      // The three money checks, 10 units each: delivered, and booked on both sides.
      expect(receiver.received()).toBe(30n)
      expect(node.balance('conf')).toBe(-30n)
      expect(node.balance('receiver')).toBe(30n)
    } finally {
      await receiver.close()
    }
  })

  it('a receiver fulfilling below the STREAM minimum (prepareAmount): fails exactly stream.min-amount', async () => {
    node = await brokenNode('none')
    const receiver = await startReceiver(node.urls.receiver, 'ignores-min-amount')
    try {
      const { code, results, byId } = await conformance([node.urls.conf, '--spsp', receiver.spspUrl, '--only', 'spsp,stream'])
      expect(results.filter((r) => r.outcome !== 'pass').map((r) => r.id)).toEqual(['stream.min-amount'])
      expect(byId.get('stream.min-amount')?.reason).toBe('fulfilled a packet below its minimum')
      expect(code).toBe(1)
      // 0 units in the fulfilled packet: only the three money checks' 30 units moved.
      expect(receiver.received()).toBe(30n)
      expect(node.balance('conf')).toBe(-30n)
      expect(node.balance('receiver')).toBe(30n)
    } finally {
      await receiver.close()
    }
  })
})

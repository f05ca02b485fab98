import { afterEach, describe, expect, it } from 'vitest'
import { brokenNode, type BrokenNode, type Defect } from './broken-node.js'
import { conformance } from './nodes.js'

// The suite catches what it claims: against a connector with one defect it fails exactly the
// checks that defect breaks, and nothing else (BTP, ILDCP and ILPv4 groups).

const failing: Record<Exclude<Defect, 'bad-epochs' | 'ignores-withdrawal'>, string[]> = {
  none: [],
  'keeps-expiry': ['ilp.expiry-reduced'],
  'empty-triggered-by': ['ilp.triggered-by'],
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
      expect(code).toBe(expected.length === 0 ? 0 : 1)
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
})

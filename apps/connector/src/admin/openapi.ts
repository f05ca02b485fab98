/**
 * The OpenAPI 3.0 description of the admin API (admin-server.ts), served at /openapi.json;
 * test/admin-openapi.spec.ts checks every endpoint's real answers against it. Amounts are
 * strings of digits (UInt64 and beyond do not fit a JSON number); bodies of writes are the
 * configuration file's sections (README.md).
 */

const amount = { type: 'string', pattern: '^-?[0-9]+$' }
const error = { type: 'object', required: ['error'], properties: { error: { type: 'string' }, issues: { type: 'array', items: { type: 'object', required: ['path', 'message'], properties: { path: { type: 'string' }, message: { type: 'string' } } } } } }
const json = (schema: unknown) => ({ content: { 'application/json': { schema } } })
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` })
const errors = {
  '400': { description: 'invalid body or parameter (issues name each field)', ...json(ref('Error')) },
  '401': { description: 'missing or wrong bearer token', ...json(ref('Error')) },
}
// A config write refused by a cluster's instance (admin/changes.ts): the file is every instance's.
const clusterRefused = { '409': { description: 'this instance is one of a cluster: change the configuration file instead', ...json(ref('Error')) } }
const peerParam = { name: 'id', in: 'path', required: true, schema: { type: 'string' } }
const anyObject = { type: 'object' }

export const OPENAPI = {
  openapi: '3.0.3',
  info: { title: 'stack-connector admin API', version: '1' },
  components: {
    securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
    schemas: {
      Error: error,
      Health: {
        type: 'object',
        required: ['status', 'address', 'uptimeSeconds', 'peers'],
        properties: {
          status: { type: 'string', enum: ['ok'] },
          address: { type: 'string' },
          uptimeSeconds: { type: 'integer' },
          peers: { type: 'object', required: ['total', 'connected'], properties: { total: { type: 'integer' }, connected: { type: 'integer' } } },
        },
      },
      Route: {
        type: 'object',
        required: ['prefix', 'nextHop', 'path', 'source'],
        properties: { prefix: { type: 'string' }, nextHop: { type: 'string' }, path: { type: 'array', items: { type: 'string' } }, source: { type: 'string', enum: ['static', 'learned'] }, expiresAt: { type: 'string' } },
      },
      StaticRoute: { type: 'object', required: ['prefix', 'peer'], additionalProperties: false, properties: { prefix: { type: 'string' }, peer: { type: 'string' } } },
      Peer: {
        type: 'object',
        required: ['id', 'relation', 'asset', 'transport', 'state'],
        properties: {
          id: { type: 'string' },
          relation: { type: 'string', enum: ['parent', 'peer', 'child'] },
          asset: ref('Asset'),
          transport: { type: 'string', enum: ['btp-server', 'btp-client', 'http'] },
          state: { type: 'string', enum: ['idle', 'connecting', 'connected', 'closed'] },
          // The entry's limits, where it sets them (README: peers[]).
          minBalance: amount,
          settleThreshold: amount,
          settleTo: amount,
          maxPacketAmount: amount,
        },
      },
      Asset: { type: 'object', required: ['code', 'scale'], properties: { code: { type: 'string' }, scale: { type: 'integer' } } },
      /** A `peers[]` entry of the configuration file (README.md), as written there; checked by config.ts. */
      PeerEntry: {
        type: 'object',
        required: ['id', 'relation'],
        additionalProperties: false,
        properties: {
          id: { type: 'string' },
          relation: { type: 'string', enum: ['parent', 'peer', 'child'] },
          asset: ref('Asset'),
          btp: { type: 'object', properties: { token: { type: 'string' }, url: { type: 'string' } } },
          http: { type: 'object', properties: { url: { type: 'string' }, token: { type: 'string' }, incomingToken: { type: 'string' } } },
          maxPacketAmount: amount,
          rateLimit: { type: 'object', properties: { packetsPerSecond: { type: 'integer' }, valuePerSecond: amount } },
          minBalance: amount,
          settleThreshold: amount,
          settleTo: amount,
          sendRoutes: { type: 'boolean' },
          receiveRoutes: { type: 'boolean' },
          settlement: { type: 'object', required: ['kind'], properties: { kind: { type: 'string' } } },
        },
      },
      Balance: { type: 'object', required: ['balance', 'pendingDebit', 'pendingCredit'], properties: { balance: amount, pendingDebit: amount, pendingCredit: amount } },
      Balances: { type: 'object', additionalProperties: ref('Balance') },
      Adjustment: { type: 'object', required: ['amount', 'reason'], additionalProperties: false, properties: { amount, reason: { type: 'string' } } },
      Adjusted: { type: 'object', required: ['balance', 'amount', 'reason'], properties: { balance: amount, amount, reason: { type: 'string' } } },
      Settled: { type: 'object', required: ['amount', 'balance'], properties: { amount, balance: amount } },
      /** The `rates` section: one of static, file or url (README.md). */
      Rates: {
        type: 'object',
        required: ['kind'],
        properties: {
          kind: { type: 'string', enum: ['static', 'file', 'url'] },
          table: { type: 'object', additionalProperties: { type: 'string' } },
          path: { type: 'string' },
          url: { type: 'string' },
          pollIntervalMs: { type: 'integer' },
          maxAgeMs: { type: 'integer' },
        },
      },
      /** A peer's settlement: GET /settlement's entry, and for claim channels each channel as its ledger holds it. */
      ChannelState: {
        type: 'object',
        required: ['kind'],
        properties: {
          kind: { type: 'string' },
          channels: {
            type: 'array',
            items: {
              type: 'object',
              required: ['direction', 'channelId', 'claimed'],
              properties: {
                direction: { type: 'string', enum: ['outgoing', 'incoming'] },
                channelId: { type: 'string' },
                /** The latest cumulative claim: signed by us (outgoing), the best we hold (incoming). */
                claimed: amount,
                ledger: { type: 'object', required: ['deposit', 'redeemed', 'status'], properties: { deposit: amount, redeemed: amount, status: { type: 'string', enum: ['open', 'closing', 'closed'] } } },
                unreadable: { type: 'string' },
              },
            },
          },
        },
      },
      Removed: { type: 'object', required: ['removed'], properties: { removed: { type: 'string' } } },
    },
  },
  security: [{ bearer: [] }],
  paths: {
    '/health': { get: { summary: 'liveness; no token needed', security: [], responses: { '200': { description: 'ok', ...json(ref('Health')) } } } },
    '/metrics': { get: { summary: 'Prometheus text (no token with admin.publicMetrics)', responses: { '200': { description: 'metrics', content: { 'text/plain': { schema: { type: 'string' } } } }, ...errors } } },
    '/openapi.json': { get: { summary: 'this document', responses: { '200': { description: 'OpenAPI 3', ...json(anyObject) }, ...errors } } },
    '/events': {
      get: {
        summary: 'Server-Sent Events: packet, balance, settlement, peer, route (README.md: event shapes)',
        responses: { '200': { description: 'an open stream', content: { 'text/event-stream': { schema: { type: 'string' } } } }, ...errors },
      },
    },
    '/routes': {
      get: { summary: 'routes in force', responses: { '200': { description: 'sorted by prefix', ...json({ type: 'array', items: ref('Route') }) }, ...errors } },
      post: { summary: 'add or replace a static route (a routes[] entry)', requestBody: { required: true, ...json(ref('StaticRoute')) }, responses: { '201': { description: 'in force', ...json(ref('StaticRoute')) }, ...clusterRefused, ...errors } },
      delete: {
        summary: 'remove a static route',
        parameters: [{ name: 'prefix', in: 'query', required: true, schema: { type: 'string' } }],
        responses: { '200': { description: 'removed', ...json(ref('Removed')) }, '404': { description: 'no such static route', ...json(ref('Error')) }, ...clusterRefused, ...errors },
      },
    },
    '/peers': {
      get: { summary: 'peers and their link state', responses: { '200': { description: 'peers', ...json({ type: 'array', items: ref('Peer') }) }, ...errors } },
      post: {
        summary: 'add a peer (a peers[] entry); it carries packets at once',
        requestBody: { required: true, ...json(ref('PeerEntry')) },
        responses: { '201': { description: 'added (as GET /peers shows it)', ...json(ref('Peer')) }, '409': { description: 'the id is in use (by a peer or a local-mode account), or this instance is one of a cluster', ...json(ref('Error')) }, '422': { description: 'its settlement could not start', ...json(ref('Error')) }, ...errors },
      },
    },
    '/peers/{id}': {
      put: {
        summary: 'replace a peer entry; its balance stays (the new link and settlement start before the old ones close)',
        parameters: [peerParam],
        requestBody: { required: true, ...json(ref('PeerEntry')) },
        responses: {
          '200': { description: 'in force (as GET /peers shows it)', ...json(ref('Peer')) },
          '404': { description: 'no such peer', ...json(ref('Error')) },
          '422': { description: 'its new settlement could not start: the old link and settlement stay in force', ...json(ref('Error')) },
          ...clusterRefused,
          ...errors,
        },
      },
      delete: { summary: 'remove a peer and its static routes; its balance stays', parameters: [peerParam], responses: { '200': { description: 'removed', ...json(ref('Removed')) }, '404': { description: 'no such peer', ...json(ref('Error')) }, ...clusterRefused, ...errors } },
    },
    '/peers/{id}/channel': {
      get: {
        summary: "the peer's settlement channels: deposit, latest claim, redeemed and status as the ledger holds them now, with the kind's ids (contract, addresses)",
        parameters: [peerParam],
        responses: { '200': { description: 'the channel state', ...json(ref('ChannelState')) }, '404': { description: 'no such peer, or it has no settlement', ...json(ref('Error')) }, ...errors },
      },
    },
    '/peers/{id}/settle': {
      post: {
        summary: 'pay the peer now what we owe it above its settleTo',
        parameters: [peerParam],
        responses: { '200': { description: 'paid (amount 0: nothing owed)', ...json(ref('Settled')) }, '404': { description: 'no such peer', ...json(ref('Error')) }, '422': { description: 'no channel, or the channel failed', ...json(ref('Error')) }, ...errors },
      },
    },
    '/balances': { get: { summary: 'what we owe each peer', responses: { '200': { description: 'by peer', ...json(ref('Balances')) }, ...errors } } },
    '/balances/{id}/adjustments': {
      post: {
        summary: 'adjust a balance, journaled with its reason (positive: we owe the peer more)',
        parameters: [peerParam],
        requestBody: { required: true, ...json(ref('Adjustment')) },
        responses: { '200': { description: 'applied', ...json(ref('Adjusted')) }, '404': { description: 'no such peer', ...json(ref('Error')) }, ...errors },
      },
    },
    '/rates': {
      get: { summary: 'the rate source in force', responses: { '200': { description: 'the rates section', ...json(ref('Rates')) }, ...errors } },
      put: { summary: 'replace the rate source (a rates section: static, file or url)', requestBody: { required: true, ...json(anyObject) }, responses: { '200': { description: 'in force', ...json(ref('Rates')) }, ...clusterRefused, ...errors } },
    },
    '/settlement': { get: { summary: "each peer's settlement state, by kind", responses: { '200': { description: 'by peer', ...json({ type: 'object', additionalProperties: { type: 'object', required: ['kind'] } }) }, ...errors } } },
    '/settlement/{id}/{request}': {
      post: {
        summary: "a settlement kind's request (xrp: redemption)",
        parameters: [peerParam, { name: 'request', in: 'path', required: true, schema: { type: 'string' } }],
        requestBody: { required: false, ...json(anyObject) },
        responses: { '200': { description: "the kind's answer", ...json(anyObject) }, '404': { description: 'no such request', ...json(ref('Error')) }, '422': { description: 'refused', ...json(ref('Error')) }, ...errors },
      },
    },
  },
} as const

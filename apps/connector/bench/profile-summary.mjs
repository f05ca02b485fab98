// Summarises V8 CPU profiles (`node --cpu-prof`, or the bench's BENCH_CPU_PROF=dir): self time
// by cost category (the per-packet breakdown: decode, route, rules, balance, encode, BTP, ws,
// socket, event loop …) and the top functions by self time.
//   node bench/profile-summary.mjs [--packets N] [--top N] file.cpuprofile...
// With --packets (packets the process handled while profiled), also µs per packet.
import { readFileSync } from 'node:fs'

// First match wins: [category, test on "function url"].
const CATEGORIES = [
  ['idle', (f) => f.functionName === '(idle)'],
  ['gc', (f) => f.functionName === '(garbage collector)'],
  ['native/program', (f) => f.functionName === '(program)'],
  ['ILP decode', (f) => /ilp-core\/dist\/(decode-packet|field-reader|envelope|timestamp|codec-errors)\.js/.test(f.url) || /ilp-core\/dist\/(prepare|fulfill|reject)\.js/.test(f.url) && /^(decode|read)/.test(f.functionName)],
  ['ILP encode', (f) => /ilp-core\/dist\/(prepare|fulfill|reject)\.js/.test(f.url) || /oer-utils/.test(f.url)],
  ['route', (f) => /ilp-core\/dist\/(routing-table|address|connector\/switch|connector\/exchange-rate)\.js|bignumber/.test(f.url)],
  ['balance', (f) => /balance-store|better-sqlite3/.test(f.url)],
  ['rules/pipeline', (f) => /ilp-core\/dist\/(connector\/|condition|ilp-error|ildcp)/.test(f.url)],
  ['app (gate, metrics)', (f) => /apps\/connector\/dist|prom-client/.test(f.url)],
  ['BTP frame+session', (f) => /channel-btp\/dist/.test(f.url)],
  ['ws framing', (f) => /node_modules\/(\.pnpm\/)?ws[@/]/.test(f.url) || /\/ws\/lib\//.test(f.url)],
  ['hash (sha256)', (f) => /createHash|digest|Hash/.test(f.functionName) && /crypto/.test(f.url)],
  ['socket/stream', (f) => /node:(net|stream|internal\/streams|internal\/stream_base_commons|internal\/net)|stream_base|_stream_|\bnet\.js/.test(f.url) || /^(writev|writeBuffer|writeUtf8String|onStreamRead|uncork|cork)$/.test(f.functionName)],
  ['timers', (f) => /internal\/timers|node:timers/.test(f.url) || /^(setTimeout|clearTimeout|unenroll|insert|listOnTimeout|processTimers)$/.test(f.functionName)],
  ['promises/ticks', (f) => /internal\/process\/task_queues|promise/.test(f.url) || /^(processTicksAndRejections|runMicrotasks|then)$/.test(f.functionName)],
  ['buffer', (f) => /node:buffer|internal\/buffer/.test(f.url)],
  ['bench peer', (f) => /bench\//.test(f.url)],
  ['other node internals', (f) => f.url.startsWith('node:')],
  ['other native', (f) => f.url === ''],
]

const args = process.argv.slice(2)
let packets
let top = 25
const files = []
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--packets') packets = Number(args[++i])
  else if (args[i] === '--top') top = Number(args[++i])
  else files.push(args[i])
}

for (const file of files) {
  const profile = JSON.parse(readFileSync(file, 'utf8'))
  const byId = new Map(profile.nodes.map((node) => [node.id, node]))
  // Start-up (loading modules) is no packet's cost: samples under a module loader are left out.
  const loading = new Set()
  const mark = (node, inLoader) => {
    const here = inLoader || /^(compileSourceTextModule|wrapSafe|loadESM|import|require|moduleLoad|runEntryPointWithESMLoader)$/.test(node.callFrame.functionName) || /internal\/modules\//.test(node.callFrame.url)
    if (here) loading.add(node.id)
    for (const child of node.children ?? []) mark(byId.get(child), here)
  }
  mark(profile.nodes[0], false)
  const self = new Map()
  for (let i = 0; i < profile.samples.length; i++) {
    self.set(profile.samples[i], (self.get(profile.samples[i]) ?? 0) + (profile.timeDeltas[i] ?? 0))
  }
  const byCategory = new Map()
  const byFunction = new Map()
  let total = 0
  let busy = 0
  let startup = 0
  for (const [id, us] of self) {
    if (loading.has(id)) {
      startup += us
      continue
    }
    const frame = byId.get(id).callFrame
    const category = CATEGORIES.find(([, test]) => test(frame))?.[0] ?? 'other'
    byCategory.set(category, (byCategory.get(category) ?? 0) + us)
    const where = frame.url === '' ? '' : ` ${frame.url.replace(/^.*\/(node_modules\/(\.pnpm\/[^/]+\/node_modules\/)?|packages\/|apps\/)/, '')}:${frame.lineNumber + 1}`
    const name = `${frame.functionName || '(anonymous)'}${where}`
    byFunction.set(name, (byFunction.get(name) ?? 0) + us)
    total += us
    if (category !== 'idle') busy += us
  }
  const perPacket = (us) => (packets === undefined ? '' : `  ${(us / packets).toFixed(2).padStart(7)} µs/packet`)
  console.log(`\n${file}: ${(total / 1e6).toFixed(2)} s profiled (start-up's ${(startup / 1e6).toFixed(2)} s left out), ${(busy / 1e6).toFixed(2)} s busy${packets === undefined ? '' : `, ${packets} packets`}`)
  for (const [category, us] of [...byCategory].sort((a, b) => b[1] - a[1])) {
    const share = category === 'idle' ? '' : `${((100 * us) / busy).toFixed(1).padStart(5)}% of busy`
    console.log(`  ${category.padEnd(22)} ${(us / 1e3).toFixed(0).padStart(7)} ms  ${share}${category === 'idle' ? '' : perPacket(us)}`)
  }
  console.log(`  busy total${' '.repeat(13)}${(busy / 1e3).toFixed(0).padStart(7)} ms${perPacket(busy)}`)
  console.log('  top functions by self time:')
  for (const [name, us] of [...byFunction].filter(([n]) => !n.startsWith('(idle)')).sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(`    ${((100 * us) / busy).toFixed(1).padStart(5)}%  ${(us / 1e3).toFixed(0).padStart(6)} ms  ${name}`)
  }
}

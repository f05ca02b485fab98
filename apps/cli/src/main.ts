#!/usr/bin/env node
// The `stack` command: see help.ts and README.md.
import { run } from './cli.js'
import { processIo } from './io.js'

const stop = new AbortController()
process.once('SIGTERM', () => stop.abort())
// `pay` handles SIGINT itself (cancels the payment, settles, then reports); otherwise it stops.
process.on('SIGINT', () => {
  if (process.listenerCount('SIGINT') === 1) stop.abort()
})

run(process.argv.slice(2), processIo, stop.signal).then(
  (code) => {
    process.exitCode = code
  },
  (error: unknown) => {
    console.error('stack: unexpected error:', error)
    process.exitCode = 70
  },
)

// Side-by-side benchmarks (DEVELOPERS.md: ours and the reference in the same run, reported
// as a ratio; never a timed test). Each contender runs in batches timed as a whole — a
// clock read per operation would swamp sub-microsecond work — alternating over several
// rounds so both see the same machine; the median round counts.

/**
 * @typedef {object} CompareOptions
 * @property {number} [rounds] rounds per contender (default 7)
 * @property {number} [roundMs] length of one round (default 250 ms)
 * @property {number} [batch] operations between two clock reads (default 1000)
 * @property {number} [warmup] operations of each before measuring (default 20 000)
 * @property {string} [referenceName] column label of the reference (default "reference")
 */

/**
 * Operations per second of `fn` over one round.
 * @param {() => unknown} fn
 * @param {number} roundMs
 * @param {number} batch
 */
function opsPerSecond(fn, roundMs, batch) {
  let ops = 0
  const start = process.hrtime.bigint()
  const end = start + BigInt(roundMs) * 1_000_000n
  let now = start
  while (now < end) {
    for (let i = 0; i < batch; i++) fn()
    ops += batch
    now = process.hrtime.bigint()
  }
  return (ops * 1e9) / Number(now - start)
}

/** @param {number[]} values */
function median(values) {
  const sorted = [...values].sort((a, b) => a - b)
  return /** @type {number} */ (sorted[sorted.length >> 1])
}

/**
 * Measures ours against the reference; returns a row for `console.table`.
 * @param {string} name
 * @param {() => unknown} ours
 * @param {() => unknown} reference
 * @param {CompareOptions} [options]
 */
export function compare(name, ours, reference, options = {}) {
  const { rounds = 7, roundMs = 250, batch = 1000, warmup = 20_000, referenceName = 'reference' } = options
  for (let i = 0; i < warmup; i++) {
    ours()
    reference()
  }
  const mine = []
  const theirs = []
  for (let round = 0; round < rounds; round++) {
    mine.push(opsPerSecond(ours, roundMs, batch))
    theirs.push(opsPerSecond(reference, roundMs, batch))
  }
  const a = median(mine)
  const b = median(theirs)
  return { case: name, 'ours ops/s': Math.round(a), [`${referenceName} ops/s`]: Math.round(b), ratio: `${(a / b).toFixed(2)}x` }
}

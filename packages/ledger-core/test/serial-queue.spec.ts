import { describe, expect, it } from 'vitest'
import { SerialQueue } from '../src/index.js'

describe('SerialQueue', () => {
  it('runs tasks one after another in the order given, and a failure does not stop the next', async () => {
    const queue = new SerialQueue()
    const log: string[] = []
    const task = (name: string, ms: number, fail = false) => () =>
      new Promise<string>((resolve, reject) => {
        log.push(`start ${name}`)
        setTimeout(() => {
          log.push(`end ${name}`)
          if (fail) reject(new Error(name))
          else resolve(name)
        }, ms)
      })
    const results = await Promise.allSettled([queue.run(task('a', 20)), queue.run(task('b', 1, true)), queue.run(task('c', 1))])
    expect(log).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c'])
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled'])
  })
})

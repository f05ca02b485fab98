import Database from 'better-sqlite3'

/** What a SIGKILL does to the code of a process: it stops at a write, and writes nothing more. */
export class Crash extends Error {
  /** @override */
  name = 'Crash'
}

// A write: a statement that changes a row, or a transaction's COMMIT (the instant it is durable).
const WRITE = /^\s*(?:INSERT|UPDATE|DELETE)\b|^COMMIT$/

/**
 * The crash points of one "process" of a test that runs several in one: every write (better-sqlite3
 * Statement.run) to one of its files is one. `arm(n)`: it dies right after its nth write from now.
 * That write throws Crash, and so does every later statement on its files but a ROLLBACK (SQLite
 * undoes an unfinished transaction, as it would at a real crash), until `restart()`, when the test
 * has closed its files and opens them again. Files are named as they were opened.
 */
export class CrashPoints {
  /** @type {number | undefined} */
  #left = undefined
  #dead = false

  /** @param {readonly string[]} files */
  constructor(files) {
    /** @readonly */
    this.files = files
    install()
    all.add(this)
  }

  /** @returns {boolean} */
  get dead() {
    return this.#dead
  }

  /** @param {number} writes */
  arm(writes) {
    this.#left = writes
  }

  disarm() {
    this.#left = undefined
  }

  restart() {
    this.#dead = false
    this.#left = undefined
  }

  dispose() {
    all.delete(this)
  }

  /** Before a statement on our files runs. @param {string} source */
  check(source) {
    if (this.#dead && source !== 'ROLLBACK') throw new Crash(`dead: ${source}`)
  }

  /** After it ran. @param {string} source */
  wrote(source) {
    if (!WRITE.test(source) || this.#left === undefined || --this.#left > 0) return
    this.#left = undefined
    this.#dead = true
    throw new Crash(`killed after: ${source}`)
  }
}

/** @type {Set<CrashPoints>} */
const all = new Set()
let installed = false

function install() {
  if (installed) return
  installed = true
  const db = new Database(':memory:')
  /** @type {{ run: (...args: unknown[]) => unknown }} */
  const statement = Object.getPrototypeOf(db.prepare('SELECT 1'))
  db.close()
  const run = statement.run
  /** @this {Database.Statement} @param {unknown[]} args */
  statement.run = function (...args) {
    const owner = [...all].find((points) => points.files.includes(this.database.name))
    owner?.check(this.source)
    const result = run.apply(this, args)
    owner?.wrote(this.source)
    return result
  }
}

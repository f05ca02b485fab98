/**
 * Every public package is consumable alone from its packed tarball (issue #12): packed with
 * `pnpm pack` into a fresh temporary folder, installed by path with plain `npm install` into an
 * empty project (third-party packages from the npm registry or npm's cache; better-sqlite3 gets
 * the workspace's binary, see src/consumer.js), then each export is loaded with `import` and with `require`, and compiled
 * against by TypeScript. turbo runs this after building every public package (they are this
 * package's devDependencies, `^build`), never from its cache: the npm side is not an input.
 */
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { installConsumer, load, runScript } from '../src/consumer.js'
import { exportSpecifiers, packAll, publicPackages, tarballProblems } from '../src/tarball.js'
import { compileConsumer, typeProblems } from '../src/types.js'

const root = fileURLToPath(new URL('../../..', import.meta.url))
const packages = publicPackages(root).map(({ dir, manifest }) => ({ name: manifest.name, dir, manifest, specifiers: exportSpecifiers(manifest) }))
const license = readFileSync(path.join(root, 'LICENSE'), 'utf8')
const work = mkdtempSync(path.join(tmpdir(), 'stack-pack-check-'))
const consumer = path.join(work, 'consumer')
/** @type {ReturnType<typeof packAll>} */
let packed

beforeAll(() => {
  const tarballs = path.join(work, 'tarballs')
  mkdirSync(tarballs)
  packed = packAll(root, packages, tarballs)
  mkdirSync(consumer)
  /** @type {Record<string, string>} the tarballs, and the optional peers a user of every export installs (the compliance suites' vitest) */
  const dependencies = {}
  for (const { manifest } of packages) {
    const meta = manifest.peerDependenciesMeta ?? {}
    for (const [peer, range] of Object.entries(manifest.peerDependencies ?? {})) if (meta[peer]?.optional === true) dependencies[peer] = range
  }
  for (const [name, { tarball }] of packed) dependencies[name] = `file:${tarball}`
  const started = Date.now()
  installConsumer(consumer, dependencies, path.join(root, 'packages', 'ledger-sqlite'))
  console.info(`pack-check: npm install of ${packed.size} tarballs took ${((Date.now() - started) / 1000).toFixed(1)} s`)
}, 15 * 60_000)

afterAll(() => rm(work, { recursive: true, force: true }), 120_000)

describe('the public packages', () => {
  it('are every non-private packages/*, each a devDependency of this package (so turbo builds it first)', () => {
    const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))
    const built = Object.keys(manifest.devDependencies).filter((name) => name.startsWith('@stack/'))
    expect(packages.length).toBeGreaterThan(0)
    expect(built.sort()).toEqual(packages.map(({ name }) => name).sort())
  })

  it('share one repository', () => {
    const url = packages[0]?.manifest.repository?.url
    expect(packages.filter(({ manifest }) => manifest.repository?.url !== url).map(({ name }) => name), `repository.url other than ${url}`).toEqual([])
  })
})

describe.each(packages)('$name', ({ name, dir, specifiers }) => {
  it('packs fit to publish: real version ranges, exports, bins, LICENSE, no build or test leftovers', () => {
    const { unpacked } = packed.get(name) ?? { unpacked: '(not packed)' }
    expect(tarballProblems(unpacked, { directory: dir, license }), `${name}, packed`).toEqual([])
  })

  it.each(specifiers)('%s loads by import and by require, with the same exports', async (specifier) => {
    const imported = await load(consumer, specifier, 'import')
    const required = await load(consumer, specifier, 'require')
    // The error in the diff when it fails: node's own message, e.g. ERR_PACKAGE_PATH_NOT_EXPORTED.
    expect(imported.ok ? '' : imported.error, `import('${specifier}') in the consumer project`).toBe('')
    expect(required.ok ? '' : required.error, `require('${specifier}') in the consumer project`).toBe('')
    if (!imported.ok || !required.ok) return
    expect(imported.names.length, `${specifier} exports nothing`).toBeGreaterThan(0)
    expect(required.names, `require('${specifier}') and import('${specifier}') differ`).toEqual(imported.names)
  })

  it('type-checks for a consumer that has only what it brings (its dependencies, their types)', () => {
    expect(types().get(name), `${name}: types, in a project with only ${name} and what it depends on`).toEqual([])
  })
})

describe('the consumer project', () => {
  it('compiles with tsc --noEmit (strict, NodeNext), from an ES module and from CommonJS', () => {
    compileConsumer(consumer, packages.flatMap(({ specifiers }) => specifiers))
  })

  it('opens a ledger file with @stack/ledger-sqlite: its native addon loads', async () => {
    const script = [
      "import { SqliteLedger } from '@stack/ledger-sqlite'",
      "const ledger = SqliteLedger.create(process.argv[1], { asset: { code: 'USD', scale: 2 } })",
      'console.log(JSON.stringify(ledger.asset))',
      'ledger.close()',
    ].join('\n')
    expect(await runScript(consumer, 'module', script, [path.join(work, 'check.ledger')])).toEqual({ ok: true, stdout: '{"code":"USD","scale":2}\n' })
  })
})

/** @type {Map<string, string[]> | undefined} */
let typeResults
/** The type problems of every package, computed once (the programs share their parsed files). */
function types() {
  typeResults ??= typeProblems(consumer, packages, '@stack/')
  return typeResults
}

import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'
import { ESLint } from 'eslint'
import tseslint from 'typescript-eslint'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import plugin from '../src/index.js'
import { layers } from '../../../eslint.config.js'

const root = fileURLToPath(new URL('../../..', import.meta.url))
const ruleId = 'layering/imports'
// The real root config, as `pnpm lint` loads it.
const eslint = new ESLint({ cwd: root })

/**
 * Lint code as if it were the file at `at` (relative to the root); the file need not exist.
 * @param {string} code
 * @param {string} at
 */
async function lint(code, at) {
  const [result] = await eslint.lintText(code, { filePath: path.join(root, at) })
  return result?.messages ?? []
}

/**
 * Asserts that every message is a layering error (no other rule, no parse error) and that
 * there are `count` of them, each naming all of `names`.
 * @param {import('eslint').Linter.LintMessage[]} messages
 * @param {number} count
 * @param {string[]} names
 */
function expectLayeringErrors(messages, count, names) {
  expect(messages.map((message) => message.ruleId)).toEqual(Array(count).fill(ruleId))
  for (const message of messages) {
    expect(message.severity).toBe(2)
    for (const name of names) expect(message.message).toContain(name)
  }
}

describe('layering/imports with the root eslint.config.js', () => {
  it('rejects an upward import (ilp-core → stream)', async () => {
    const messages = await lint("import { Connection } from '@stack/stream'\nexport const c = Connection\n", 'packages/ilp-core/src/fixture.ts')
    expectLayeringErrors(messages, 1, ['@stack/ilp-core', '@stack/stream', 'upward import'])
    expect(messages[0]?.line).toBe(1)
  })

  it.each([
    ['a type-only import', "import type { Connection } from '@stack/stream'\nexport type C = Connection\n"],
    ['a re-export', "export { Connection } from '@stack/stream'\n"],
    ['export *', "export * from '@stack/stream'\n"],
    ['a dynamic import', "export const load = () => import('@stack/stream')\n"],
    ['require()', "export const s: unknown = require('@stack/stream')\n"],
    ['import = require()', "import s = require('@stack/stream')\nexport const t = s\n"],
    ['an import type', "export type C = import('@stack/stream').Connection\n"],
  ])('sees the upward import in %s', async (_, code) => {
    const messages = (await lint(code, 'packages/ilp-core/src/fixture.ts')).filter(
      // typescript-eslint's recommended set forbids require(); this test is about our rule
      (message) => message.ruleId !== '@typescript-eslint/no-require-imports',
    )
    expectLayeringErrors(messages, 1, ['@stack/ilp-core', '@stack/stream', 'upward import'])
  })

  it('rejects a package importing an app (ilp-core → apps/connector)', async () => {
    const messages = await lint(
      "import { main } from '../../../apps/connector/src/index.js'\nexport const m = main\n",
      'packages/ilp-core/src/fixture.ts',
    )
    expectLayeringErrors(messages, 2, ['@stack/ilp-core', '@stack/connector'])
    expect(messages.map((message) => message.message).join('\n')).toContain('import of an app')
  })

  it('rejects a higher layer importing a concrete adapter (stream → channel-btp)', async () => {
    const messages = await lint("import { BtpLink } from '@stack/channel-btp'\nexport const l = BtpLink\n", 'packages/stream/src/fixture.ts')
    expectLayeringErrors(messages, 1, ['@stack/stream', '@stack/channel-btp', 'concrete adapter @stack/channel-btp imported by a higher layer'])
  })

  it('lets a test, not shipped code, use a concrete package of a lower layer as a test peer (stream test → ilp-connector)', async () => {
    const code = "import { Connector } from '@stack/ilp-connector'\nexport const c = Connector\n"
    expect(await lint(code, 'packages/stream/test/fixture.ts')).toEqual([])
    expectLayeringErrors(await lint(code, 'packages/stream/src/fixture.ts'), 1, ['@stack/stream', '@stack/ilp-connector', 'concrete adapter'])
    expectLayeringErrors(await lint("import { SqliteChannel } from '@stack/channel-sqlite'\nexport const c = SqliteChannel\n", 'packages/channel-btp/test/fixture.ts'), 1, ['@stack/channel-btp', '@stack/channel-sqlite'])
  })

  it('rejects a concrete adapter importing a sibling of its layer (channel-btp → channel-http)', async () => {
    const messages = await lint("import { HttpLink } from '@stack/channel-http'\nexport const l = HttpLink\n", 'packages/channel-btp/src/fixture.ts')
    expectLayeringErrors(messages, 1, ['@stack/channel-btp', '@stack/channel-http', '@stack/channel-core'])
  })

  it('lets a concrete channel import the ledger it is built on (channel-sqlite → ledger-sqlite)', async () => {
    const messages = await lint("import { SqliteLedger } from '@stack/ledger-sqlite'\nexport const l = SqliteLedger\n", 'packages/channel-sqlite/src/fixture.ts')
    expect(messages).toEqual([])
  })

  it('lets a channel import the ledger named for it (channel-lightning → ledger-bitcoin), and only that one', async () => {
    const bitcoin = await lint("import { BitcoinLedger } from '@stack/ledger-bitcoin'\nexport const l = BitcoinLedger\n", 'packages/channel-lightning/src/fixture.ts')
    expect(bitcoin).toEqual([])
    const lightning = await lint("import { LightningLedger } from '@stack/ledger-lightning'\nexport const l = LightningLedger\n", 'packages/channel-lightning/src/fixture.ts')
    expectLayeringErrors(lightning, 1, ['@stack/channel-lightning', '@stack/ledger-lightning', 'concrete adapter'])
  })

  it('rejects a concrete channel importing another ledger (channel-sqlite → ledger-ethereum)', async () => {
    const messages = await lint("import { EvmLedger } from '@stack/ledger-ethereum'\nexport const l = EvmLedger\n", 'packages/channel-sqlite/src/fixture.ts')
    expectLayeringErrors(messages, 1, ['@stack/channel-sqlite', '@stack/ledger-ethereum', 'concrete adapter'])
  })

  it('does not let a core import a concrete package below it (channel-core → ledger-sqlite)', async () => {
    const messages = await lint("import { SqliteLedger } from '@stack/ledger-sqlite'\nexport const l = SqliteLedger\n", 'packages/channel-core/src/fixture.ts')
    expectLayeringErrors(messages, 1, ['@stack/channel-core', '@stack/ledger-sqlite', 'concrete adapter'])
  })

  it.each([
    ['ledger-sqlite → ledger-core', 'packages/ledger-sqlite/src/fixture.ts', '@stack/ledger-core'],
    ['spsp → stream', 'packages/spsp/src/fixture.ts', '@stack/stream'],
    ['spsp → ledger-core (any lower core)', 'packages/spsp/src/fixture.ts', '@stack/ledger-core'],
    ['channel-btp → channel-core', 'packages/channel-btp/src/fixture.ts', '@stack/channel-core'],
    ['channel-btp → channel-core/compliance (listed in exports)', 'packages/channel-btp/test/fixture.ts', '@stack/channel-core/compliance'],
    ['ilp-core → itself by name', 'packages/ilp-core/test/fixture.ts', '@stack/ilp-core'],
    ['apps/connector → channel-btp', 'apps/connector/src/fixture.ts', '@stack/channel-btp'],
    ['ilp-core → its own src by relative path', 'packages/ilp-core/test/fixture.ts', '../src/index.js'],
    ['ilp-core → a third-party package', 'packages/ilp-core/src/fixture.ts', 'oer-utils'],
  ])('allows %s', async (_, at, source) => {
    const messages = await lint(`import * as m from '${source}'\nexport const x = m\n`, at)
    expect(messages).toEqual([])
  })

  it('lets benches and tests use a tool (ilp-core bench → @stack/bench)', async () => {
    const messages = await lint("import { compare } from '@stack/bench'\nexport const c = compare\n", 'packages/ilp-core/bench/fixture.mjs')
    expect(messages).toEqual([])
  })

  it('rejects a tool imported by shipped code (ilp-core src → @stack/bench)', async () => {
    const messages = await lint("import { compare } from '@stack/bench'\nexport const c = compare\n", 'packages/ilp-core/src/fixture.ts')
    expectLayeringErrors(messages, 1, ['@stack/ilp-core', '@stack/bench', 'tests and benches only'])
  })

  it('lets the demo app start a dev chain from src/, and no other app (demo → @stack/evm-node)', async () => {
    const code = "import { startEvmNode } from '@stack/evm-node'\nexport const s = startEvmNode\n"
    expect(await lint(code, 'apps/demo/src/fixture.ts')).toEqual([])
    expectLayeringErrors(await lint(code, 'apps/connector/src/fixture.ts'), 1, ['@stack/evm-node', 'tests and benches only'])
  })

  it('rejects a relative import into another package (ilp-core → ../../stream/src/x.js)', async () => {
    const messages = await lint("import { x } from '../../stream/src/x.js'\nexport const y = x\n", 'packages/ilp-core/src/fixture.ts')
    expectLayeringErrors(messages, 2, ['@stack/ilp-core', '@stack/stream'])
    const texts = messages.map((message) => message.message)
    expect(texts.some((text) => text.includes('import across packages by name'))).toBe(true)
    expect(texts.some((text) => text.includes('upward import'))).toBe(true)
  })

  it('rejects a relative import that leaves its package for a non-package folder', async () => {
    const messages = await lint("import { run } from '../../../scripts/bootstrap.mjs'\nexport const r = run\n", 'packages/ilp-core/src/fixture.ts')
    expectLayeringErrors(messages, 1, ['@stack/ilp-core', 'escapes its package'])
  })

  it('rejects an app importing another app (apps/x → apps/y)', async () => {
    const messages = await lint("import { y } from '../../y/src/index.js'\nexport const z = y\n", 'apps/x/src/fixture.ts')
    expectLayeringErrors(messages, 2, ['@stack/x', '@stack/y'])
    expect(messages.map((message) => message.message).join('\n')).toContain('import of an app')
  })

  it('rejects a deep import past the entry point (stream → @stack/ilp-core/src/x)', async () => {
    const messages = await lint("import { x } from '@stack/ilp-core/src/x.js'\nexport const y = x\n", 'packages/stream/src/fixture.ts')
    expectLayeringErrors(messages, 1, ['@stack/stream', '@stack/ilp-core', 'deep import'])
  })

  it('rejects a package that is not in the layer table, and imports of it', async () => {
    const unplaced = await lint('export const x = 1\n', 'packages/widgets/src/fixture.ts')
    expectLayeringErrors(unplaced, 1, ['@stack/widgets', 'not in the layer table'])
    const importing = await lint("import { w } from '@stack/widgets'\nexport const x = w\n", 'packages/ilp-core/src/fixture.ts')
    expectLayeringErrors(importing, 1, ['@stack/ilp-core', '@stack/widgets', 'not in the layer table'])
  })

  it('fires on a real fixture file linted as if it were under packages/', async () => {
    const fixture = fileURLToPath(new URL('../fixtures/upward-import.ts', import.meta.url))
    // the root lint run skips the fixtures folder …
    expect(await eslint.isPathIgnored(fixture)).toBe(true)
    // … and placed in ilp-core, each of its three imports breaks the rule
    const messages = await lint(readFileSync(fixture, 'utf8'), 'packages/ilp-core/src/upward-import.ts')
    expectLayeringErrors(messages, 4, ['@stack/ilp-core'])
    const byLine = messages.map((message) => [message.line, message.message])
    expect(byLine.filter(([line]) => line === 4)[0]?.[1]).toContain('@stack/stream')
    expect(byLine.filter(([line]) => line === 5)[0]?.[1]).toContain('@stack/channel-btp')
    expect(byLine.filter(([line]) => line === 6).map(([, text]) => text).join('\n')).toContain('import of an app')
  })
})

describe('layering/imports with an apps/ folder on disk', () => {
  /** @type {string} */
  let workspace
  /** @type {ESLint} */
  let linter

  beforeAll(() => {
    workspace = mkdtempSync(path.join(tmpdir(), 'layering-'))
    mkdirSync(path.join(workspace, 'apps', 'connector'), { recursive: true })
    writeFileSync(path.join(workspace, 'apps', 'connector', 'package.json'), '{"name":"@stack/connector"}\n')
    linter = new ESLint({
      cwd: workspace,
      overrideConfigFile: true,
      overrideConfig: {
        files: ['**/*.ts'],
        languageOptions: { parser: tseslint.parser },
        plugins: { layering: plugin },
        // the same table as the root config, imported from it
        rules: { [ruleId]: ['error', { root: workspace, layers }] },
      },
    })
  })

  afterAll(() => rmSync(workspace, { recursive: true, force: true }))

  it.each([
    ['a package', 'packages/ilp-core/src/fixture.ts', '@stack/ilp-core'],
    ['another app', 'apps/cli/src/fixture.ts', '@stack/cli'],
  ])('rejects %s importing an app by name', async (_, at, importer) => {
    const [result] = await linter.lintText("import { main } from '@stack/connector'\nexport const m = main\n", {
      filePath: path.join(workspace, at),
    })
    expectLayeringErrors(result?.messages ?? [], 1, [importer, '@stack/connector', 'import of an app'])
  })
})

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { checkWorkspace, dependencyMismatches, importSpecifiers, packageNameOf, resolvedSpecifiers } from '../src/dependency-check.js'

const root = fileURLToPath(new URL('../../..', import.meta.url))

describe('each package\u2019s dependencies agree with its imports', () => {
  it('holds for every packages/* and apps/* of this repository', () => {
    const { mismatches, checked, skipped } = checkWorkspace(root)
    if (skipped.length > 0) console.info(`dependency check: no source files yet in ${skipped.join(', ')}`)
    expect(checked.length + skipped.length).toBeGreaterThan(0)
    expect(mismatches, `\n${mismatches.join('\n')}\n`).toEqual([])
  })
})

describe('packageNameOf', () => {
  it.each([
    ['oer-utils', 'oer-utils'],
    ['vitest/config', 'vitest'],
    ['@stack/ilp-core', '@stack/ilp-core'],
    ['@noble/hashes/sha256', '@noble/hashes'],
    ['node:crypto', undefined],
    ['crypto', undefined],
    ['fs/promises', undefined],
    ['./bytes.js', undefined],
    ['../src/index.js', undefined],
    ['#internal', undefined],
  ])('%s → %s', (specifier, name) => {
    expect(packageNameOf(specifier)).toBe(name)
  })
})

describe('importSpecifiers', () => {
  it('reads every import form, including type-only ones, and not imports in comments', () => {
    const code = [
      '/** Example: import { x } from "in-a-comment" */',
      "import a from 'static'",
      "import type { T } from 'type-only'",
      "export { b } from 're-export'",
      "export * from 'star'",
      "const c = await import('dynamic')",
      "const d = require('required')",
      "import e = require('import-equals')",
      "type F = import('import-type').F",
      'export { a, c, d, e }',
      'export type { T, F }',
    ].join('\n')
    expect(importSpecifiers(code, 'example.ts').sort()).toEqual(
      ['dynamic', 'import-equals', 'import-type', 're-export', 'required', 'star', 'static', 'type-only'].sort(),
    )
  })

  it('throws, naming the file, when a source does not parse', () => {
    expect(() => importSpecifiers('import {', 'broken.ts')).toThrow(/broken\.ts/)
  })
})

describe('resolvedSpecifiers', () => {
  it('reads require.resolve and import.meta.resolve, and neither imports nor other resolve calls', () => {
    const code = [
      "import { createRequire } from 'node:module'",
      "import * as path from 'node:path'",
      'const require = createRequire(import.meta.url)',
      "const a = require.resolve('@stack/connector/package.json')",
      "const b = import.meta.resolve('spawned/dist/main.js')",
      "const f = createRequire(import.meta.url).resolve('inline/package.json')",
      "const c = path.resolve('not-a-module')",
      "const d = other.resolve('not-either')",
      "const e = require('imported')",
      'export { a, b, c, d, e, f }',
    ].join('\n')
    expect(resolvedSpecifiers(code, 'spawn.ts').sort()).toEqual(['@stack/connector/package.json', 'inline/package.json', 'spawned/dist/main.js'])
  })
})

describe('dependencyMismatches', () => {
  const sources = [
    { file: 'src/a.ts', code: "import { Writer } from 'oer-utils'\nimport { createHash } from 'node:crypto'\nimport 'fs'\n" },
    { file: 'src/b.ts', code: "import type { Link } from '@stack/channel-core'\nimport { x } from './a.js'\nexport { Writer, createHash, x, Link }\n" },
  ]

  it('is empty when imports and dependencies agree', () => {
    const manifest = { name: '@stack/x', dependencies: { 'oer-utils': '5.1.2' }, peerDependencies: { '@stack/channel-core': '*' } }
    expect(dependencyMismatches(manifest, sources)).toEqual([])
  })

  it('names an import that is not a dependency, and a dependency that is not imported', () => {
    const manifest = { name: '@stack/x', dependencies: { 'oer-utils': '5.1.2', ws: '8.23.0' } }
    expect(dependencyMismatches(manifest, sources)).toEqual([
      '@stack/x: imports @stack/channel-core (src/b.ts) but lists it in neither dependencies nor peerDependencies',
      '@stack/x: dependency ws is imported by no file in src/ (unused runtime dependency)',
    ])
  })

  describe('a workspace app spawned for its bin (layering.spawns)', () => {
    const resolving = [{ file: 'src/run.ts', code: "import { createRequire } from 'node:module'\nexport const bin = createRequire(import.meta.url).resolve('@stack/node/package.json')\n" }]
    const notResolving = [{ file: 'src/run.ts', code: "import * as path from 'node:path'\nexport const bin = path.resolve('@stack/node/dist/main.js')\n" }]
    const workspaceBins = new Set(['@stack/node'])
    const manifest = { name: '@stack/demo', dependencies: { '@stack/node': 'workspace:*' }, layering: { spawns: ['@stack/node'] } }

    it('is accepted without an import when it is a workspace app with a bin that src/ resolves by name', () => {
      expect(dependencyMismatches(manifest, resolving, { workspaceBins })).toEqual([])
    })

    it('is refused when no file in src/ resolves it as a module (a path.resolve is not one)', () => {
      expect(dependencyMismatches(manifest, notResolving, { workspaceBins })).toEqual([
        '@stack/demo: layering.spawns names @stack/node, but no file in src/ resolves it (require.resolve or import.meta.resolve)',
      ])
    })

    it('is refused when it is not a workspace app with a bin, or not a dependency', () => {
      expect(dependencyMismatches(manifest, resolving, { workspaceBins: new Set() })).toEqual([
        '@stack/demo: layering.spawns names @stack/node, which is not a workspace app with a bin',
      ])
      expect(dependencyMismatches({ ...manifest, dependencies: {} }, resolving, { workspaceBins })).toEqual([
        '@stack/demo: layering.spawns names @stack/node, which is not in dependencies',
      ])
    })

    it('leaves every other dependency to the ordinary check: resolving one is not using it', () => {
      const plain = { name: '@stack/demo', dependencies: { '@stack/node': 'workspace:*' } }
      expect(dependencyMismatches(plain, resolving, { workspaceBins })).toEqual([
        '@stack/demo: dependency @stack/node is imported by no file in src/ (unused runtime dependency)',
      ])
    })
  })

  describe('an @types/* dependency (the published .d.ts need it)', () => {
    it('is used when the package it types is imported, and @types/node when a Node builtin is', () => {
      const manifest = { name: '@stack/x', dependencies: { 'oer-utils': '5.1.2', '@types/oer-utils': '1.0.0', '@types/node': '>=20.19.0', '@types/scope__pkg': '1.0.0' } }
      const scoped = { file: 'src/c.ts', code: "import type { P } from '@scope/pkg'\nexport type { P }\n" }
      expect(dependencyMismatches({ ...manifest, peerDependencies: { '@scope/pkg': '1.0.0' } }, [...sources, scoped])).toEqual(['@stack/x: imports @stack/channel-core (src/b.ts) but lists it in neither dependencies nor peerDependencies'])
    })

    it('is unused when nothing it types is imported', () => {
      const manifest = { name: '@stack/x', dependencies: { 'oer-utils': '5.1.2', '@types/ws': '8.18.2', '@types/node': '>=20.19.0' }, peerDependencies: { '@stack/channel-core': '*' } }
      expect(dependencyMismatches(manifest, sources.slice(1))).toEqual([
        '@stack/x: dependency @types/node is imported by no file in src/ (unused runtime dependency)',
        '@stack/x: dependency @types/ws is imported by no file in src/ (unused runtime dependency)',
        '@stack/x: dependency oer-utils is imported by no file in src/ (unused runtime dependency)',
      ])
    })
  })

  it('does not require an unimported peer dependency, nor a self-import as a dependency', () => {
    const manifest = { name: '@stack/x', peerDependencies: { vitest: '4.1.12' } }
    expect(dependencyMismatches(manifest, [{ file: 'src/c.ts', code: "export * from '@stack/x'\n" }])).toEqual([])
  })
})

describe('checkWorkspace on a small workspace on disk', () => {
  const workspace = mkdtempSync(path.join(tmpdir(), 'dependency-check-'))
  afterAll(() => rmSync(workspace, { recursive: true, force: true }))

  /** @param {string} relative @param {string} text */
  const write = (relative, text) => {
    mkdirSync(path.dirname(path.join(workspace, relative)), { recursive: true })
    writeFileSync(path.join(workspace, relative), text)
  }

  it('reports all mismatches of all packages and apps at once, and skips a package with no sources yet', () => {
    write('packages/ilp-core/package.json', JSON.stringify({ name: '@stack/ilp-core', dependencies: { 'oer-utils': '5.1.2' } }))
    write('packages/ilp-core/src/index.ts', "export * from './packet.js'\n")
    write('packages/ilp-core/src/deep/packet.ts', "import { Reader } from 'oer-utils'\nimport BigNumber from 'bignumber.js'\nexport { Reader, BigNumber }\n")
    write('packages/channel-btp/package.json', JSON.stringify({ name: '@stack/channel-btp', dependencies: { ws: '8.23.0' } }))
    write('apps/demo/package.json', JSON.stringify({ name: '@stack/demo', dependencies: { '@stack/ilp-core': 'workspace:*', ws: '8.23.0' } }))
    write('apps/demo/src/main.ts', "import { Reader } from '@stack/ilp-core'\nexport { Reader }\n")

    const { mismatches, checked, skipped } = checkWorkspace(workspace)
    expect(checked).toEqual(['packages/ilp-core', 'apps/demo'])
    expect(skipped).toEqual(['packages/channel-btp'])
    expect(mismatches).toEqual([
      `@stack/ilp-core: imports bignumber.js (${path.join('packages', 'ilp-core', 'src', 'deep', 'packet.ts')}) but lists it in neither dependencies nor peerDependencies`,
      '@stack/demo: dependency ws is imported by no file in src/ (unused runtime dependency)',
    ])
  })

  it('knows which apps have a bin: one app may spawn another, a package may not be spawned', () => {
    const apps = mkdtempSync(path.join(tmpdir(), 'dependency-check-spawn-'))
    try {
      /** @param {string} relative @param {string} text */
      const put = (relative, text) => {
        mkdirSync(path.dirname(path.join(apps, relative)), { recursive: true })
        writeFileSync(path.join(apps, relative), text)
      }
      const spawning = "import { createRequire } from 'node:module'\nconst require = createRequire(import.meta.url)\nexport const node = require.resolve('@stack/node/package.json')\nexport const codec = require.resolve('@stack/codec/package.json')\n"
      put('apps/node/package.json', JSON.stringify({ name: '@stack/node', bin: { 'stack-node': './dist/main.js' } }))
      put('apps/node/src/main.ts', 'export {}\n')
      put('packages/codec/package.json', JSON.stringify({ name: '@stack/codec', bin: { codec: './dist/cli.js' } }))
      put('packages/codec/src/index.ts', 'export {}\n')
      put('apps/demo/package.json', JSON.stringify({
        name: '@stack/demo',
        dependencies: { '@stack/node': 'workspace:*', '@stack/codec': 'workspace:*' },
        layering: { spawns: ['@stack/node', '@stack/codec'] },
      }))
      put('apps/demo/src/run.ts', spawning)
      expect(checkWorkspace(apps).mismatches).toEqual(['@stack/demo: layering.spawns names @stack/codec, which is not a workspace app with a bin'])
    } finally {
      rmSync(apps, { recursive: true, force: true })
    }
  })
})

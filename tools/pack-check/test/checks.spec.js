/**
 * Each check of pack-check.spec.js fails, naming what is wrong, on a small package made here
 * that breaks it (no pnpm, no npm: a folder laid out as an unpacked tarball or node_modules).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import * as path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { load } from '../src/consumer.js'
import { tarballProblems } from '../src/tarball.js'
import { closureOf, packageOfPath, typeProblems } from '../src/types.js'

const work = mkdtempSync(path.join(tmpdir(), 'stack-pack-check-unit-'))
afterAll(() => rmSync(work, { recursive: true, force: true }))

/**
 * Writes files (path → content; objects as JSON) under a new folder of `work`.
 * @param {string} name
 * @param {Record<string, string | object>} files
 * @returns {string} the folder
 */
function folder(name, files) {
  const dir = path.join(work, name)
  for (const [file, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true })
    writeFileSync(path.join(dir, file), typeof content === 'string' ? content : JSON.stringify(content))
  }
  return dir
}

const LICENSE = 'Apache License\nVersion 2.0, January 2004\n'

describe('tarballProblems', () => {
  const good = {
    name: '@x/good',
    version: '1.0.0',
    license: 'Apache-2.0',
    repository: { type: 'git', url: 'git+https://example.invalid/x.git', directory: 'packages/good' },
    engines: { node: '>=20.19' },
    exports: { '.': { types: './dist/index.d.ts', import: './dist/index.js', default: './dist/index.js' } },
    bin: { good: './bin/good.js' },
    dependencies: { '@x/other': '1.0.0' },
  }
  const goodFiles = { 'dist/index.js': '', 'dist/index.d.ts': '', 'bin/good.js': '#!/usr/bin/env node\n', LICENSE, 'README.md': '' }

  it('is empty for a package fit to publish', () => {
    expect(tarballProblems(folder('good', { ...goodFiles, 'package.json': good }), { directory: 'packages/good', license: LICENSE })).toEqual([])
  })

  it('names each problem of a package that is not', () => {
    const bad = {
      ...good,
      license: 'MIT',
      repository: { url: 'git+https://example.invalid/x.git' },
      engines: undefined,
      exports: { '.': { import: './dist/index.js', types: './dist/index.d.ts' }, './extra': './dist/extra.js' },
      bin: { good: './dist/cli.js', gone: './bin/gone.js' },
      dependencies: { '@x/other': 'workspace:*' },
    }
    const files = { 'package.json': bad, 'dist/index.js': '', 'dist/cli.js': 'import "./index.js"\n', 'dist/.tsbuildinfo': '{}', 'test/a.spec.ts': '', 'dist/b.test.js': '', 'LICENSE': 'MIT License\n' }
    expect(tarballProblems(folder('bad', files), { directory: 'packages/bad', license: LICENSE })).toEqual([
      'license is "MIT", not "Apache-2.0"',
      'LICENSE is not the repository\u2019s LICENSE (the Apache-2.0 text)',
      'no README.md',
      'repository.directory is undefined, not "packages/bad"',
      'no engines.node',
      'dependencies.@x/other is still "workspace:*"',
      'exports["."] does not list "types" first',
      'exports["."] has neither "default" nor "require": require() cannot load it',
      'exports["."].types is ./dist/index.d.ts, which is not in the tarball',
      'exports["./extra"] is a bare path: it needs "types", "import" and "default" (or "require")',
      'bin good (./dist/cli.js) does not start with #!/usr/bin/env node',
      'bin gone is ./bin/gone.js, which is not in the tarball',
      'ships dist/.tsbuildinfo (a build or test leftover)',
      'ships dist/b.test.js (a build or test leftover)',
      'ships test/a.spec.ts (a build or test leftover)',
    ])
  })
})

describe('load', () => {
  const consumer = folder('consumer', {
    'package.json': { name: 'consumer', private: true },
    'node_modules/esm-only/package.json': { name: 'esm-only', type: 'module', exports: { '.': { import: './index.js' } } },
    'node_modules/esm-only/index.js': 'export const a = 1\n',
    'node_modules/both/package.json': { name: 'both', type: 'module', exports: { '.': { import: './index.js', default: './index.js' } } },
    'node_modules/both/index.js': 'export const a = 1\nexport function b() {}\n',
  })

  it('gives the export names by import and by require when the exports map has a default', async () => {
    expect(await load(consumer, 'both', 'import')).toEqual({ ok: true, names: ['a', 'b'] })
    expect(await load(consumer, 'both', 'require')).toEqual({ ok: true, names: ['a', 'b'] })
  })

  it('says why require fails when the exports map has only "import"', async () => {
    expect(await load(consumer, 'esm-only', 'import')).toEqual({ ok: true, names: ['a'] })
    expect(await load(consumer, 'esm-only', 'require')).toEqual({ ok: false, error: expect.stringContaining('ERR_PACKAGE_PATH_NOT_EXPORTED') })
  })
})

describe('typeProblems', () => {
  // A stand-in for @types/node (only what the .d.ts below use), and three packages: one whose
  // .d.ts needs it without declaring it, one that declares it, one that gets it through another.
  const consumer = folder('typed', {
    'package.json': { name: 'typed', private: true },
    'node_modules/@types/node/package.json': { name: '@types/node', version: '20.19.43', types: 'index.d.ts' },
    'node_modules/@types/node/index.d.ts': "declare class Buffer extends Uint8Array {}\ndeclare module 'node:events' { export class EventEmitter {} }\n",
    'node_modules/@x/needs/package.json': { name: '@x/needs', type: 'module', exports: { '.': { types: './index.d.ts', default: './index.js' } } },
    'node_modules/@x/needs/index.d.ts': "import { EventEmitter } from 'node:events'\nexport declare function bytes(): Buffer\nexport declare const events: EventEmitter\n",
    'node_modules/@x/declares/package.json': { name: '@x/declares', type: 'module', exports: { '.': { types: './index.d.ts', default: './index.js' } }, dependencies: { '@types/node': '20.19.43' } },
    'node_modules/@x/declares/index.d.ts': 'export declare function bytes(): Buffer\n',
    'node_modules/@x/through/package.json': { name: '@x/through', type: 'module', exports: { '.': { types: './index.d.ts', default: './index.js' } }, dependencies: { '@x/declares': '1.0.0' } },
    'node_modules/@x/through/index.d.ts': "export { bytes } from '@x/declares'\nexport declare function more(): Buffer\n",
  })
  const nodeModules = path.join(consumer, 'node_modules')

  it('finds what each package brings, and which package a path is in', () => {
    expect([...closureOf(nodeModules, '@x/through')].sort()).toEqual(['@types/node', '@x/declares', '@x/through'])
    expect(packageOfPath(nodeModules, path.join(nodeModules, '@x/needs/index.d.ts'))).toBe('@x/needs')
    expect(packageOfPath(nodeModules, path.join(nodeModules, 'a/node_modules/b/x.d.ts'))).toBe('b')
    expect(packageOfPath(nodeModules, path.join(nodeModules, '@x'))).toBeUndefined()
    expect(packageOfPath(nodeModules, path.join(consumer, 'consumer.mts'))).toBeUndefined()
  })

  it('reports Node types in a .d.ts whose package does not bring @types/node, in that file', () => {
    const packages = ['@x/needs', '@x/declares', '@x/through'].map((name) => ({ name, specifiers: [name] }))
    const problems = typeProblems(consumer, packages, '@x/')
    expect(problems.get('@x/declares')).toEqual([])
    expect(problems.get('@x/through')).toEqual([])
    expect(problems.get('@x/needs')).toEqual([
      "node_modules/@x/needs/index.d.ts:1:30: Cannot find module 'node:events' or its corresponding type declarations.",
      "node_modules/@x/needs/index.d.ts:2:34: Cannot find name 'Buffer'. Do you need to install type definitions for node? Try `npm i --save-dev @types/node`.",
    ])
  })
})

/**
 * "The dependencies of each package.json must agree with its imports" (ARCHITECTURE.md).
 *
 * For a package or app: every package named by an import in src/ (type-only imports
 * included: the types must resolve for consumers too) is in `dependencies` or
 * `peerDependencies`, and every entry of `dependencies` is imported somewhere in src/. An
 * `@types/x` dependency counts as imported when x is (`@types/node`: when a Node builtin is):
 * the published .d.ts name x's types, so a consumer needs them (tools/pack-check checks which).
 * Imports are read with the same visitors as the layering rule, from a real parse, so
 * an import written in a doc comment does not count.
 *
 * One allowance: an app may run another workspace app's bin as a child process (the demo
 * starts `stack-connector`). That is composition of processes, not of modules: nothing
 * imports an app (the layering rule), yet the app is a dependency, so that turbo builds it
 * first and pnpm links it. Such a dependency is named in the manifest's `layering.spawns`
 * list, and is accepted without an import only when it is a workspace app with a `bin` and
 * some file in src/ resolves it by name (`require.resolve('@stack/x/package.json')` or
 * `import.meta.resolve(…)`), which is how the spawning code finds the bin.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { isBuiltin } from 'node:module'
import * as path from 'node:path'
import { Linter } from 'eslint'
import tseslint from 'typescript-eslint'
import { importSourceVisitors, resolveSourceVisitors } from './import-sources.js'

const sourceFile = /\.(?:[cm]?[jt]s|[jt]sx)$/

/**
 * The package an import specifier names, or undefined for relative paths, Node
 * builtins (with or without `node:`), URLs and subpath imports (`#x`).
 * @param {string} specifier
 * @returns {string | undefined}
 */
export function packageNameOf(specifier) {
  if (specifier === '' || specifier.startsWith('.') || specifier.startsWith('/') || specifier.startsWith('#')) return undefined
  if (specifier.includes(':') || isBuiltin(specifier)) return undefined
  const parts = specifier.split('/')
  if (specifier.startsWith('@')) return parts.length >= 2 ? `${parts[0]}/${parts[1]}` : undefined
  return parts[0]
}

/**
 * The package whose types a DefinitelyTyped package carries (`@types/ws` → `ws`,
 * `@types/scope__x` → `@scope/x`, `@types/node` → `node`), or undefined for any other name.
 * @param {string} dependency
 * @returns {string | undefined}
 */
export function typedPackageOf(dependency) {
  if (!dependency.startsWith('@types/')) return undefined
  const name = dependency.slice('@types/'.length)
  return name.includes('__') ? `@${name.replace('__', '/')}` : name
}

/**
 * Every import specifier in one source text.
 * @param {string} code
 * @param {string} fileName used for its extension and in parse errors
 * @returns {string[]}
 */
export function importSpecifiers(code, fileName) {
  return specifiersOf(code, fileName).imports
}

/**
 * Every specifier resolved without an import (`require.resolve`, `import.meta.resolve`) in one source text.
 * @param {string} code
 * @param {string} fileName used for its extension and in parse errors
 * @returns {string[]}
 */
export function resolvedSpecifiers(code, fileName) {
  return specifiersOf(code, fileName).resolved
}

/**
 * Both kinds of specifier of one source text, from one parse (parsing is nearly all of the
 * check's time: the whole workspace is read on every run).
 * @param {string} code
 * @param {string} fileName
 * @returns {{ imports: string[], resolved: string[] }}
 */
function specifiersOf(code, fileName) {
  /** @type {string[]} */
  const imports = []
  /** @type {string[]} */
  const resolved = []
  /** @type {Record<string, (node: any) => void>} */
  const visitors = importSourceVisitors((specifier) => imports.push(specifier))
  for (const [type, visit] of Object.entries(resolveSourceVisitors((specifier) => resolved.push(specifier)))) {
    const first = visitors[type]
    visitors[type] = first ? (node) => (first(node), visit(node)) : visit
  }
  const collect = {
    meta: { type: 'problem', schema: [] },
    create: () => visitors,
  }
  const linter = new Linter({ configType: 'flat' })
  const messages = linter.verify(
    code,
    [
      {
        files: ['**/*.{ts,tsx,mts,cts,js,jsx,mjs,cjs}'],
        languageOptions: { parser: tseslint.parser, sourceType: 'module', ecmaVersion: 'latest' },
        plugins: { collect: { rules: { imports: /** @type {any} */ (collect) } } },
        rules: { 'collect/imports': 'error' },
      },
    ],
    path.basename(fileName),
  )
  // a parse error, or a file the config does not cover: never a silent empty answer
  const failure = messages.find((message) => message.ruleId === null)
  if (failure) throw new Error(`${fileName}:${failure.line}:${failure.column}: ${failure.message}`)
  return { imports, resolved }
}

/**
 * @param {string} folder
 * @returns {string[]} absolute paths of the source files below folder
 */
function sourceFilesUnder(folder) {
  if (!existsSync(folder)) return []
  return readdirSync(folder, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && sourceFile.test(entry.name))
    .map((entry) => path.join(entry.parentPath, entry.name))
    .filter((file) => !file.split(path.sep).includes('node_modules'))
    .sort()
}

/**
 * @typedef {{ name?: string, bin?: string | Record<string, string>, dependencies?: Record<string, string>, peerDependencies?: Record<string, string>, layering?: { spawns?: string[] } }} Manifest
 * @typedef {{ file: string, code: string }} Source
 * @typedef {{ workspaceBins?: ReadonlySet<string> }} CheckOptions workspaceBins: names of the workspace's apps that have a `bin`
 */

/**
 * Compare one manifest with its sources.
 * @param {Manifest} manifest
 * @param {Source[]} sources file paths as they should appear in messages
 * @param {CheckOptions} [options]
 * @returns {string[]} one line per mismatch, empty when they agree
 */
export function dependencyMismatches(manifest, sources, options = {}) {
  const name = manifest.name ?? '(unnamed package)'
  /** @type {Map<string, string[]>} package → files importing it */
  const imported = new Map()
  /** @type {Set<string>} packages resolved by name without an import */
  const resolved = new Set()
  let importsBuiltin = false
  for (const { file, code } of sources) {
    const specifiers = specifiersOf(code, file)
    for (const specifier of specifiers.imports) {
      if (isBuiltin(specifier)) importsBuiltin = true
      const target = packageNameOf(specifier)
      if (target === undefined || target === manifest.name) continue
      const files = imported.get(target) ?? []
      if (!files.includes(file)) files.push(file)
      imported.set(target, files)
    }
    for (const specifier of specifiers.resolved) {
      const target = packageNameOf(specifier)
      if (target !== undefined) resolved.add(target)
    }
  }
  const declared = new Set([...Object.keys(manifest.dependencies ?? {}), ...Object.keys(manifest.peerDependencies ?? {})])
  /** @type {string[]} */
  const mismatches = []
  for (const [target, files] of [...imported].sort(([a], [b]) => a.localeCompare(b))) {
    if (!declared.has(target)) {
      mismatches.push(`${name}: imports ${target} (${files.join(', ')}) but lists it in neither dependencies nor peerDependencies`)
    }
  }
  // The allowance (header): a workspace app whose bin is spawned, found by a resolve in src/.
  const spawns = new Set(manifest.layering?.spawns ?? [])
  const workspaceBins = options.workspaceBins ?? new Set()
  for (const spawned of [...spawns].sort()) {
    if (!(spawned in (manifest.dependencies ?? {}))) {
      mismatches.push(`${name}: layering.spawns names ${spawned}, which is not in dependencies`)
    } else if (!workspaceBins.has(spawned)) {
      mismatches.push(`${name}: layering.spawns names ${spawned}, which is not a workspace app with a bin`)
    } else if (!resolved.has(spawned)) {
      mismatches.push(`${name}: layering.spawns names ${spawned}, but no file in src/ resolves it (require.resolve or import.meta.resolve)`)
    }
  }
  for (const dependency of Object.keys(manifest.dependencies ?? {}).sort()) {
    const typed = typedPackageOf(dependency)
    const typesImported = typed !== undefined && (typed === 'node' ? importsBuiltin : imported.has(typed))
    if (!imported.has(dependency) && !spawns.has(dependency) && !typesImported) {
      mismatches.push(`${name}: dependency ${dependency} is imported by no file in src/ (unused runtime dependency)`)
    }
  }
  return mismatches
}

/**
 * Check every packages/* and apps/* of a workspace. A package whose src/ holds no source
 * file yet (a scaffold) is skipped and named in `skipped`: there is nothing to agree with.
 * @param {string} root workspace root
 * @returns {{ mismatches: string[], checked: string[], skipped: string[] }}
 */
export function checkWorkspace(root) {
  /** @type {string[]} */
  const mismatches = []
  /** @type {string[]} */
  const checked = []
  /** @type {string[]} */
  const skipped = []
  /** @type {{ group: string, dir: string, manifest: Manifest }[]} */
  const found = []
  for (const group of ['packages', 'apps']) {
    const groupFolder = path.join(root, group)
    if (!existsSync(groupFolder)) continue
    for (const dir of readdirSync(groupFolder).sort()) {
      const manifestPath = path.join(groupFolder, dir, 'package.json')
      if (existsSync(manifestPath)) found.push({ group, dir, manifest: JSON.parse(readFileSync(manifestPath, 'utf8')) })
    }
  }
  const workspaceBins = new Set(
    found.filter(({ group, manifest }) => group === 'apps' && manifest.name !== undefined && manifest.bin !== undefined).map(({ manifest }) => /** @type {string} */ (manifest.name)),
  )
  for (const { group, dir, manifest } of found) {
    const where = `${group}/${dir}`
    const files = sourceFilesUnder(path.join(root, group, dir, 'src'))
    if (files.length === 0) {
      skipped.push(where)
      continue
    }
    checked.push(where)
    const sources = files.map((file) => ({ file: path.relative(root, file), code: readFileSync(file, 'utf8') }))
    mismatches.push(...dependencyMismatches(manifest, sources, { workspaceBins }))
  }
  return { mismatches, checked, skipped }
}

/**
 * Type-checking the installed packages as a TypeScript consumer does (strict, module NodeNext).
 *
 * `typeProblems` compiles one consumer file per package with the compiler API, in a view of the
 * consumer's node_modules that holds only what that package brings: itself and the closure of
 * its dependencies and required peers. In the full install some other package may have brought
 * `@types/node` (or `@types/ws`, …) along; in this view a `Buffer` or `import 'node:http'` in a
 * package's .d.ts whose manifest does not bring the types is an error, located in that file.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import * as path from 'node:path'
import { createRequire } from 'node:module'
import ts from 'typescript'
import { run } from './tarball.js'

/** @typedef {import('./tarball.js').Manifest} Manifest */

/** The options of the consumer: a strict ES module project for Node. */
export const CONSUMER_OPTIONS = { strict: true, module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', noEmit: true }

/**
 * The packages installed in `nodeModules` that `name` brings along: itself, its dependencies
 * and its required (non-optional) peers, and theirs.
 * @param {string} nodeModules the consumer's node_modules
 * @param {string} name
 * @returns {Set<string>}
 */
export function closureOf(nodeModules, name) {
  /** @type {Set<string>} */
  const found = new Set()
  const pending = [name]
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    if (found.has(next)) continue
    found.add(next)
    const file = path.join(nodeModules, next, 'package.json')
    if (!existsSync(file)) continue
    const manifest = /** @type {Manifest} */ (JSON.parse(readFileSync(file, 'utf8')))
    const optional = manifest.peerDependenciesMeta ?? {}
    pending.push(...Object.keys(manifest.dependencies ?? {}), ...Object.keys(manifest.peerDependencies ?? {}).filter((peer) => optional[peer]?.optional !== true))
  }
  return found
}

/**
 * The package a path inside `nodeModules` belongs to (by its last node_modules segment), or
 * undefined for a path outside any package (node_modules itself, a scope folder, elsewhere).
 * @param {string} nodeModules
 * @param {string} file
 * @returns {string | undefined}
 */
export function packageOfPath(nodeModules, file) {
  const inside = path.relative(nodeModules, file)
  if (inside === '' || inside.startsWith('..') || path.isAbsolute(inside)) return undefined
  const parts = inside.split(path.sep)
  const [first, second] = parts.slice(parts.lastIndexOf('node_modules') + 1)
  if (first === undefined || !first.startsWith('@')) return first
  return second === undefined ? undefined : `${first}/${second}`
}

/**
 * Compiles, for each package, a consumer file importing every export of it, in the view of
 * node_modules that holds only what it brings; reports the errors of the consumer file and of
 * every .d.ts of the `scope` (the packages under test; other packages' .d.ts are theirs).
 * @param {string} consumer the consumer project (its node_modules installed)
 * @param {{ name: string, specifiers: string[] }[]} packages
 * @param {string} scope e.g. `@stack/`
 * @returns {Map<string, string[]>} problems by package name, one line each
 */
export function typeProblems(consumer, packages, scope) {
  const nodeModules = path.join(consumer, 'node_modules')
  const { options } = ts.convertCompilerOptionsFromJson(CONSUMER_OPTIONS, consumer)
  options.typeRoots = [path.join(nodeModules, '@types')] // the consumer's own, not its parent folders'
  const base = ts.createCompilerHost(options)
  /** @type {Map<string, ts.SourceFile | undefined>} parsed once for all the programs */
  const parsed = new Map()
  /** @type {Map<string, string[]>} */
  const problems = new Map()
  for (const { name, specifiers } of packages) {
    const visible = closureOf(nodeModules, name)
    /** @param {string} file */
    const shown = (file) => {
      const owner = packageOfPath(nodeModules, path.resolve(file))
      return owner === undefined || visible.has(owner)
    }
    /** @type {ts.CompilerHost} */
    const host = {
      ...base,
      fileExists: (file) => shown(file) && base.fileExists(file),
      readFile: (file) => (shown(file) ? base.readFile(file) : undefined),
      directoryExists: (dir) => shown(dir) && (base.directoryExists?.(dir) ?? ts.sys.directoryExists(dir)),
      getDirectories: (dir) => (base.getDirectories?.(dir) ?? []).filter((sub) => shown(path.join(dir, sub))),
      getSourceFile: (file, version, onError) => {
        if (!parsed.has(file)) parsed.set(file, base.getSourceFile(file, version, onError))
        return parsed.get(file)
      },
    }
    const entry = path.join(consumer, `${name.replace(/^@/, '').replace('/', '-')}.mts`)
    writeFileSync(entry, consumerModule(specifiers))
    const program = ts.createProgram([entry], options, host)
    const diagnostics = [...program.getOptionsDiagnostics(), ...program.getGlobalDiagnostics()]
    for (const file of program.getSourceFiles()) {
      if (file.fileName === entry || packageOfPath(nodeModules, path.resolve(file.fileName))?.startsWith(scope)) {
        diagnostics.push(...program.getSyntacticDiagnostics(file), ...program.getSemanticDiagnostics(file))
      }
    }
    problems.set(name, [...new Set(diagnostics.map((diagnostic) => describe(consumer, diagnostic)))])
  }
  return problems
}

/**
 * A module that imports every specifier and uses each namespace, so that each must resolve
 * with its types.
 * @param {string[]} specifiers
 * @param {'import' | 'require'} [how] `require`: for a .cts file (`import x = require(…)`)
 * @returns {string}
 */
export function consumerModule(specifiers, how = 'import') {
  const imports = specifiers.map((specifier, i) => (how === 'import' ? `import * as e${i} from '${specifier}'` : `import e${i} = require('${specifier}')`))
  return `${imports.join('\n')}\nexport const names: string[] = [${specifiers.map((_, i) => `...Object.keys(e${i})`).join(', ')}]\n`
}

/**
 * @param {string} consumer
 * @param {ts.Diagnostic} diagnostic
 * @returns {string}
 */
function describe(consumer, diagnostic) {
  const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, ' ')
  if (diagnostic.file === undefined || diagnostic.start === undefined) return message
  const { line, character } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start)
  return `${path.relative(consumer, diagnostic.file.fileName)}:${line + 1}:${character + 1}: ${message}`
}

/**
 * Compiles the consumer as a user does, with `tsc --noEmit` and a tsconfig.json of
 * CONSUMER_OPTIONS (and `skipLibCheck`, as `tsc --init` writes it: typeProblems checks the
 * .d.ts): an ES module and a CommonJS module (`import x = require(…)`) importing every specifier.
 * @param {string} consumer the consumer project (its node_modules installed)
 * @param {string[]} specifiers
 * @returns {string} tsc's output; throws with it when tsc reports an error
 */
export function compileConsumer(consumer, specifiers) {
  writeFileSync(path.join(consumer, 'consumer.mts'), consumerModule(specifiers, 'import'))
  writeFileSync(path.join(consumer, 'consumer.cts'), consumerModule(specifiers, 'require'))
  const tsconfig = { compilerOptions: { ...CONSUMER_OPTIONS, skipLibCheck: true }, files: ['consumer.mts', 'consumer.cts'] }
  writeFileSync(path.join(consumer, 'tsconfig.json'), `${JSON.stringify(tsconfig, null, 2)}\n`)
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc')
  return run(process.execPath, [tsc, '--noEmit', '-p', 'tsconfig.json'], consumer)
}

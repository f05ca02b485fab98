/**
 * The public packages of the workspace packed as `pnpm pack` publishes them, and what each
 * tarball must hold to be consumed alone from npm: real version ranges (no `workspace:`), an
 * `exports` map that types, `import` and `require` all resolve, its bins, the license text,
 * and none of the build's or the tests' leftovers.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs'
import * as path from 'node:path'

/**
 * @typedef {Record<string, string>} Dependencies
 * @typedef {{
 *   name: string, version: string, private?: boolean, license?: string,
 *   repository?: { type?: string, url?: string, directory?: string }, engines?: { node?: string },
 *   exports?: Record<string, Record<string, string> | string>, bin?: Record<string, string> | string,
 *   dependencies?: Dependencies, devDependencies?: Dependencies, peerDependencies?: Dependencies,
 *   optionalDependencies?: Dependencies, peerDependenciesMeta?: Record<string, { optional?: boolean }>
 * }} Manifest
 * @typedef {{ dir: string, manifest: Manifest }} WorkspacePackage dir: relative to the workspace root
 */

/** The dependency fields of a manifest: `pnpm pack` rewrites `workspace:` ranges in each. */
export const DEPENDENCY_FIELDS = /** @type {const} */ (['dependencies', 'devDependencies', 'peerDependencies', 'optionalDependencies'])

/** Files that belong to the build or the tests, never to a consumer. */
const LEFTOVER = /(?:\.tsbuildinfo$|(?:^|\/)(?:test|tests|__tests__)\/|\.(?:spec|test)\.[cm]?[jt]sx?$)/

/**
 * Every packages/* of the workspace that is not private: the packages published to npm.
 * @param {string} root the workspace root
 * @returns {WorkspacePackage[]}
 */
export function publicPackages(root) {
  return readdirSync(path.join(root, 'packages'))
    .sort()
    .map((name) => path.join('packages', name))
    .filter((dir) => existsSync(path.join(root, dir, 'package.json')))
    .map((dir) => ({ dir, manifest: /** @type {Manifest} */ (JSON.parse(readFileSync(path.join(root, dir, 'package.json'), 'utf8'))) }))
    .filter(({ manifest }) => manifest.private !== true)
}

/**
 * The import specifier of each subpath of an `exports` map (`.` is the package itself).
 * @param {Manifest} manifest
 * @returns {string[]}
 */
export function exportSpecifiers(manifest) {
  return Object.keys(manifest.exports ?? {}).map((subpath) => (subpath === '.' ? manifest.name : `${manifest.name}/${subpath.slice(2)}`))
}

/**
 * Packs each package with `pnpm pack` (one recursive run) and unpacks each tarball beside it.
 * @param {string} root the workspace root
 * @param {WorkspacePackage[]} packages
 * @param {string} destination an empty folder
 * @returns {Map<string, { tarball: string, unpacked: string }>} by package name
 */
export function packAll(root, packages, destination) {
  const filters = packages.flatMap(({ manifest }) => ['--filter', manifest.name])
  run('pnpm', ['--recursive', ...filters, 'pack', '--pack-destination', destination], root)
  /** @type {Map<string, { tarball: string, unpacked: string }>} */
  const packed = new Map()
  for (const { manifest } of packages) {
    const base = `${manifest.name.replace(/^@/, '').replace('/', '-')}-${manifest.version}`
    const tarball = path.join(destination, `${base}.tgz`)
    if (!existsSync(tarball)) throw new Error(`${manifest.name}: pnpm pack made no ${tarball}`)
    const unpacked = path.join(destination, base)
    mkdirSync(unpacked)
    run('tar', ['-xzf', tarball, '-C', unpacked, '--strip-components=1'], destination)
    packed.set(manifest.name, { tarball, unpacked })
  }
  return packed
}

/**
 * What is wrong with one unpacked tarball, one line each; empty when it is fit to publish.
 * @param {string} unpacked the folder the tarball was unpacked into (its `package/`)
 * @param {{ directory: string, license: string }} expected the package's folder in the repository, and the LICENSE text
 * @returns {string[]}
 */
export function tarballProblems(unpacked, expected) {
  const files = filesUnder(unpacked)
  const manifest = /** @type {Manifest} */ (JSON.parse(readFileSync(path.join(unpacked, 'package.json'), 'utf8')))
  /** @type {string[]} */
  const problems = []
  if (manifest.license !== 'Apache-2.0') problems.push(`license is ${JSON.stringify(manifest.license)}, not "Apache-2.0"`)
  if (!files.includes('LICENSE')) problems.push('no LICENSE file')
  else if (readFileSync(path.join(unpacked, 'LICENSE'), 'utf8') !== expected.license) problems.push('LICENSE is not the repository\u2019s LICENSE (the Apache-2.0 text)')
  if (!files.includes('README.md')) problems.push('no README.md')
  if (typeof manifest.repository?.url !== 'string') problems.push('no repository.url')
  if (manifest.repository?.directory !== expected.directory) problems.push(`repository.directory is ${JSON.stringify(manifest.repository?.directory)}, not "${expected.directory}"`)
  if (manifest.engines?.node === undefined) problems.push('no engines.node')
  for (const field of DEPENDENCY_FIELDS) {
    for (const [name, range] of Object.entries(manifest[field] ?? {})) {
      if (range.startsWith('workspace:')) problems.push(`${field}.${name} is still "${range}"`)
    }
  }
  const exportsMap = manifest.exports ?? {}
  if (Object.keys(exportsMap).length === 0) problems.push('no exports')
  for (const [subpath, conditions] of Object.entries(exportsMap)) {
    if (typeof conditions === 'string') {
      problems.push(`exports["${subpath}"] is a bare path: it needs "types", "import" and "default" (or "require")`)
      continue
    }
    if (Object.keys(conditions)[0] !== 'types') problems.push(`exports["${subpath}"] does not list "types" first`)
    for (const condition of ['types', 'import']) if (conditions[condition] === undefined) problems.push(`exports["${subpath}"] has no "${condition}"`)
    if (conditions.default === undefined && conditions.require === undefined) problems.push(`exports["${subpath}"] has neither "default" nor "require": require() cannot load it`)
    for (const [condition, target] of Object.entries(conditions)) {
      if (!files.includes(path.posix.normalize(target))) problems.push(`exports["${subpath}"].${condition} is ${target}, which is not in the tarball`)
    }
  }
  const bins = typeof manifest.bin === 'string' ? { [manifest.name]: manifest.bin } : (manifest.bin ?? {})
  for (const [name, target] of Object.entries(bins)) {
    const file = path.posix.normalize(target)
    if (!files.includes(file)) problems.push(`bin ${name} is ${target}, which is not in the tarball`)
    else if (!readFileSync(path.join(unpacked, file), 'utf8').startsWith('#!/usr/bin/env node\n')) problems.push(`bin ${name} (${target}) does not start with #!/usr/bin/env node`)
  }
  for (const file of files) if (LEFTOVER.test(file)) problems.push(`ships ${file} (a build or test leftover)`)
  return problems
}

/**
 * @param {string} folder
 * @returns {string[]} the files below folder, as posix paths relative to it
 */
function filesUnder(folder) {
  return readdirSync(folder, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(folder, path.join(entry.parentPath, entry.name)).split(path.sep).join('/'))
    .sort()
}

/**
 * Runs a command to its end; throws with its output when it fails.
 * @param {string} command
 * @param {string[]} args
 * @param {string} cwd
 * @param {NodeJS.ProcessEnv} [env]
 * @returns {string} its stdout
 */
export function run(command, args, cwd, env = process.env) {
  try {
    return execFileSync(command, args, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 })
  } catch (error) {
    const { stdout, stderr } = /** @type {{ stdout?: string, stderr?: string }} */ (error)
    throw new Error(`${command} ${args.join(' ')} (in ${cwd}) failed:\n${stdout ?? ''}${stderr ?? ''}`, { cause: error })
  }
}

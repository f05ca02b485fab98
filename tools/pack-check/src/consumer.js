/**
 * An empty npm project that installs the packed tarballs by path, and nothing of the workspace:
 * what a user of the published packages has. Third-party packages come from the npm registry
 * (or npm's cache). Install scripts do not run: the one native addon, better-sqlite3, gets the
 * binary the workspace already built for this Node when the versions agree (compiling it again
 * is two CPU-minutes that prove nothing about our packages), and is rebuilt by npm otherwise.
 */
import { execFile } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import * as path from 'node:path'
import { run } from './tarball.js'

/** What npm and pnpm set for scripts that the consumer keeps: where the registry and npm's cache are. */
const KEPT = /^npm_config_(?:registry|cache|(?:https_)?proxy|noproxy)$/i

/**
 * This environment without what pnpm and npm scripts set: `npm_config_prefix` and the like
 * would point the consumer's npm at the workspace instead of its own folder.
 * @returns {NodeJS.ProcessEnv}
 */
function plainEnv() {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => KEPT.test(name) || !/^p?npm_/i.test(name)))
}

/**
 * Writes the project's package.json and runs `npm install` in it.
 * @param {string} dir an empty folder
 * @param {Record<string, string>} dependencies name → tarball path or registry version
 * @param {string} workspacePackage a workspace package folder that depends on better-sqlite3
 * @returns {string} npm's output
 */
export function installConsumer(dir, dependencies, workspacePackage) {
  const manifest = { name: 'stack-pack-check-consumer', version: '0.0.0', private: true, dependencies }
  writeFileSync(path.join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`)
  const output = run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=warn', '--ignore-scripts'], dir, plainEnv())
  return output + addonFromWorkspace(dir, workspacePackage)
}

const ADDON = path.join('build', 'Release', 'better_sqlite3.node')

/**
 * @param {string} dir the consumer project
 * @param {string} workspacePackage
 * @returns {string} what was done
 */
function addonFromWorkspace(dir, workspacePackage) {
  const consumerCopy = path.join(dir, 'node_modules', 'better-sqlite3')
  if (!existsSync(consumerCopy)) return ''
  const built = path.dirname(createRequire(path.join(workspacePackage, 'package.json')).resolve('better-sqlite3/package.json'))
  const version = (/** @type {string} */ folder) => JSON.parse(readFileSync(path.join(folder, 'package.json'), 'utf8')).version
  if (version(built) === version(consumerCopy) && existsSync(path.join(built, ADDON))) {
    mkdirSync(path.join(consumerCopy, 'build', 'Release'), { recursive: true })
    copyFileSync(path.join(built, ADDON), path.join(consumerCopy, ADDON))
    return `better-sqlite3 ${version(built)}: the workspace's binary\n`
  }
  return run('npm', ['rebuild', 'better-sqlite3', '--loglevel=warn'], dir, plainEnv())
}

/**
 * Runs node on a script given inline, in the consumer project, as a module of `type`.
 * @param {string} dir the consumer project
 * @param {'module' | 'commonjs'} type
 * @param {string} script
 * @param {string[]} args process.argv[1…] of the script
 * @returns {Promise<{ ok: true, stdout: string } | { ok: false, error: string }>}
 */
export function runScript(dir, type, script, args) {
  return new Promise((resolve) => {
    execFile(process.execPath, [`--input-type=${type}`, '-e', script, ...args], { cwd: dir, env: plainEnv(), timeout: 60_000 }, (error, stdout, stderr) => {
      resolve(error === null ? { ok: true, stdout } : { ok: false, error: stderr.trim() || error.message })
    })
  })
}

const LOADERS = {
  import: /** @type {const} */ (['module', 'const m = await import(process.argv[1]); console.log(JSON.stringify(Object.keys(m).sort()))']),
  require: /** @type {const} */ (['commonjs', 'console.log(JSON.stringify(Object.keys(require(process.argv[1])).sort()))']),
}

/**
 * Loads `specifier` in a new node process in the consumer project, as a consumer does:
 * `import()` from an ES module, or `require()` from CommonJS.
 * @param {string} dir the consumer project
 * @param {string} specifier
 * @param {'import' | 'require'} how
 * @returns {Promise<{ ok: true, names: string[] } | { ok: false, error: string }>} its export names, or why it failed
 */
export async function load(dir, specifier, how) {
  const [type, script] = LOADERS[how]
  const result = await runScript(dir, type, script, [specifier])
  return result.ok ? { ok: true, names: /** @type {string[]} */ (JSON.parse(result.stdout)) } : result
}

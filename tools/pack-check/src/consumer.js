/**
 * An empty npm project that installs the packed tarballs by path, and nothing of the workspace:
 * what a user of the published packages has. Third-party packages come from the npm registry
 * (or npm's cache); native ones build as they would for that user.
 */
import { execFile } from 'node:child_process'
import { writeFileSync } from 'node:fs'
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
 * @param {Record<string, boolean>} allowScripts the dependencies whose install scripts npm may run
 * @returns {string} npm's output
 */
export function installConsumer(dir, dependencies, allowScripts) {
  const manifest = { name: 'stack-pack-check-consumer', version: '0.0.0', private: true, dependencies, allowScripts }
  writeFileSync(path.join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`)
  return run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=warn'], dir, plainEnv())
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

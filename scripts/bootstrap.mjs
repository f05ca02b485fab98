#!/usr/bin/env node
// Makes a fresh clone ready: the workspace's dependencies, installed by the pnpm version that
// package.json "packageManager" pins. Needs only Node and npm, and changes nothing outside the
// clone but npm's own download cache: when no pnpm of that version is on PATH, it runs pnpm
// through `npm exec` (fetched into npm's cache, never installed globally). The workspace then
// has that pnpm as a dev dependency, so npm scripts (`npm test`, `npm run demo`) find it in
// node_modules/.bin. Safe to run again: `pnpm install --frozen-lockfile` changes nothing that
// is already installed.
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const { packageManager } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))
const wanted = packageManager.replace(/^pnpm@/, '')

function run(command, args) {
  console.log(`> ${command} ${args.join(' ')}`)
  try {
    execFileSync(command, args, { cwd: root, stdio: 'inherit' })
  } catch (error) {
    console.error(`bootstrap: \`${command} ${args.join(' ')}\` failed (${error.status ?? error.message})`)
    process.exit(1)
  }
}

function versionOf(pnpm) {
  try {
    return execFileSync(pnpm, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim()
  } catch {
    return undefined
  }
}

const local = fileURLToPath(new URL('../node_modules/.bin/pnpm', import.meta.url))
if (existsSync(local) && versionOf(local) === wanted) {
  run(local, ['install', '--frozen-lockfile'])
} else if (versionOf('pnpm') === wanted) {
  run('pnpm', ['install', '--frozen-lockfile'])
} else {
  console.log(`bootstrap: pnpm ${wanted} is not on PATH; running it through npm exec (npm's cache, no global install)`)
  run('npm', ['exec', '--yes', `--package=pnpm@${wanted}`, '--', 'pnpm', 'install', '--frozen-lockfile'])
}

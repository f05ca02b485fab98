#!/usr/bin/env node
// Makes a fresh machine ready: the pinned pnpm (from package.json "packageManager",
// installed with npm when missing or different) and the workspace's dependencies.
// Needs only Node and npm. Safe to run again: it does nothing that is already done.
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'

const root = new URL('..', import.meta.url)
const { packageManager } = JSON.parse(readFileSync(new URL('package.json', root), 'utf8'))
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

function installedPnpm() {
  try {
    return execFileSync('pnpm', ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim()
  } catch {
    return undefined
  }
}

const found = installedPnpm()
if (found !== wanted) {
  console.log(`pnpm ${found ?? 'is missing'}; installing pnpm@${wanted}`)
  run('npm', ['install', '--global', `pnpm@${wanted}`])
  const now = installedPnpm()
  if (now !== wanted) throw new Error(`pnpm ${wanted} was installed but \`pnpm --version\` says ${now}`)
}
run('pnpm', ['install', '--frozen-lockfile'])

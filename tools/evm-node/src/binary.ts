import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { ToolUnavailableError } from '@stack/process-guard'

// Foundry publishes anvil on npm as one package per platform (these are this package's optional
// dependencies: a package manager installs only the one whose os/cpu match). Its wrapper
// package `@foundry-rs/anvil` is not used: its install script downloads instead.
const packages: Readonly<Record<string, string>> = {
  'darwin-arm64': '@foundry-rs/anvil-darwin-arm64',
  'darwin-x64': '@foundry-rs/anvil-darwin-amd64',
  'linux-arm64': '@foundry-rs/anvil-linux-arm64',
  'linux-x64': '@foundry-rs/anvil-linux-amd64',
  'win32-x64': '@foundry-rs/anvil-win32-amd64'
}

const require = createRequire(import.meta.url)

/**
 * The anvil executable of this platform's npm package.
 * @throws ToolUnavailableError when no package is published for the platform, or it is not installed
 */
export function anvilPath(platform: string = process.platform, arch: string = process.arch): string {
  const target = `${platform}-${arch}`
  const name = packages[target]
  if (name === undefined) {
    const remedy = `run it on a platform Foundry publishes one for: ${Object.keys(packages).join(', ')}`
    throw new ToolUnavailableError('anvil', `Foundry publishes no anvil binary for ${target}`, { remedy })
  }
  const remedy = `anvil comes from ${name}, an optional dependency of @stack/evm-node: install the workspace without --no-optional (pnpm install)`
  let manifest: string
  try {
    manifest = require.resolve(`${name}/package.json`)
  } catch {
    throw new ToolUnavailableError('anvil', `${name} is not installed`, { remedy })
  }
  const binary = join(dirname(manifest), 'bin', platform === 'win32' ? 'anvil.exe' : 'anvil')
  if (!existsSync(binary)) throw new ToolUnavailableError('anvil', `${name} has no ${binary}`, { remedy })
  return binary
}

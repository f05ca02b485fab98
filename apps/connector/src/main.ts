#!/usr/bin/env node
// stack-connector --config connector.yaml: read, override from the environment, validate,
// start; SIGINT/SIGTERM stop it gracefully (packets in flight answered) and exit 0.
import { readFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { applyEnvOverrides, InvalidEnvOverrideError } from './config-env.js'
import { InvalidConfigError, readConfigFile, validateConfig } from './config.js'
import { createLogger } from './logger.js'
import { startNode } from './node.js'

const USAGE = `usage: stack-connector --config <connector.json|connector.yaml>
       stack-connector --version

Environment overrides: STACK_CONNECTOR__<PATH>=<value>, e.g. STACK_CONNECTOR__ADMIN__PORT=9100
(see README.md).`

async function main(): Promise<number> {
  let configPath: string | undefined
  try {
    const { values } = parseArgs({ options: { config: { type: 'string', short: 'c' }, help: { type: 'boolean', short: 'h' }, version: { type: 'boolean' } } })
    if (values.help === true) {
      console.log(USAGE)
      return 0
    }
    if (values.version === true) {
      // This package's version, from its package.json (one folder up from src/ and dist/ alike).
      const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
      console.log(version)
      return 0
    }
    configPath = values.config
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`)
    return 2
  }
  if (configPath === undefined) {
    console.error(USAGE)
    return 2
  }

  let config
  try {
    // Relative paths in the file (balances.path) are the file's, as an operator reads them.
    config = validateConfig(applyEnvOverrides(await readConfigFile(configPath), process.env), { configDir: dirname(resolve(configPath)) })
  } catch (error) {
    if (error instanceof InvalidConfigError || error instanceof InvalidEnvOverrideError) {
      console.error(`${configPath}: ${error.message}`)
      return 2
    }
    console.error(`${configPath}: ${(error as Error).message}`)
    return 2
  }

  const logger = createLogger(config.log.level)
  const node = await startNode(config, { logger, configDir: dirname(resolve(configPath)) })
  await new Promise<void>((resolve) => {
    const onSignal = (signal: NodeJS.Signals): void => {
      logger.info({ signal }, 'shutting down')
      process.off('SIGINT', onSignal)
      process.off('SIGTERM', onSignal)
      resolve()
    }
    process.on('SIGINT', onSignal)
    process.on('SIGTERM', onSignal)
  })
  await node.stop()
  return 0
}

main().then(
  (code) => {
    process.exitCode = code
  },
  (error: unknown) => {
    console.error(error)
    process.exitCode = 1
  },
)

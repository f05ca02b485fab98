import { pino, type Logger } from 'pino'
import type { LogLevel } from './config.js'

/** Structured JSON logs on stdout (pino); bigints in log fields are written as strings. */
export function createLogger(level: LogLevel, destination?: pino.DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    level,
    base: { app: 'stack-connector' },
    hooks: {
      logMethod(args, method) {
        const [first] = args
        if (typeof first === 'object' && first !== null) args[0] = JSON.parse(JSON.stringify(first, bigintReplacer)) as object
        method.apply(this, args)
      },
    },
  }
  return destination === undefined ? pino(options) : pino(options, destination)
}

export function bigintReplacer(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value
}

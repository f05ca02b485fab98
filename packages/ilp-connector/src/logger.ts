/**
 * What the connector logs through: `details` is a plain object of fields, or an Error. Default:
 * console. An app maps it onto its own logger (apps/connector: pino).
 */
export interface ConnectorLogger {
  debug(message: string, details?: unknown): void
  info(message: string, details?: unknown): void
  warn(message: string, details?: unknown): void
  error(message: string, details?: unknown): void
}

/** A logger that drops everything (tests, or an app that does not want the library's lines). */
export const silentLogger: ConnectorLogger = { debug() {}, info() {}, warn() {}, error() {} }

export function errorText(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error)
}

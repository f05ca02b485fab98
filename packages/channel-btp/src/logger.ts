/** Where a BTP link reports what it refused and why. Default: nowhere (see `consoleLogger`). */
export interface BtpLogger {
  warn(message: string, context?: Record<string, unknown>): void
  info(message: string, context?: Record<string, unknown>): void
}

export const silentLogger: BtpLogger = {
  warn() {},
  info() {}
}

export const consoleLogger: BtpLogger = {
  warn(message, context) {
    console.warn(`[btp] ${message}`, context ?? '')
  },
  info(message, context) {
    console.info(`[btp] ${message}`, context ?? '')
  }
}

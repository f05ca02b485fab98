import { InvalidChannelOptionError } from './errors.js'

/** Runs a ledger-xrp field check, turning its error into the channel's InvalidChannelOptionError for `field`. */
export function checkOption<T>(field: string, check: () => T): T {
  try {
    return check()
  } catch (error) {
    throw new InvalidChannelOptionError(field, undefined, error instanceof Error ? error.message : String(error))
  }
}

import { Journal, JournalReadError } from '@stack/ledger-bitcoin'
import { StateReadError } from './errors.js'

/** ledger-bitcoin's journal (fsynced JSON lines, a torn tail cut) over a state file, its refusals as this package's StateReadError. */
export function openJournal<T>(path: string): Journal<T> {
  try {
    return new Journal<T>(path)
  } catch (error) {
    if (error instanceof JournalReadError) throw new StateReadError(path, `line ${error.line} is not JSON`, { cause: error })
    throw error
  }
}

import { accessSync, constants } from 'node:fs'
import { delimiter, join } from 'node:path'
import { ToolUnavailableError } from './errors.js'

export interface ProgramSearch {
  /** The Debian package that installs the program: the error names it. */
  readonly debianPackage: string
  /** Folders searched after PATH, in order: where Debian installs it off a user's PATH (/usr/sbin …). */
  readonly dirs?: readonly string[]
  /** Default `process.env.PATH`. */
  readonly path?: string
}

/**
 * The executable `program` from PATH, else from `dirs`.
 * @throws ToolUnavailableError naming the Debian package
 */
export function findProgram(program: string, search: ProgramSearch): string {
  const dirs = [...new Set([...(search.path ?? process.env.PATH ?? '').split(delimiter).filter((dir) => dir !== ''), ...(search.dirs ?? [])])]
  for (const dir of dirs) {
    const path = join(dir, program)
    try {
      accessSync(path, constants.X_OK)
      return path
    } catch {
      // not here
    }
  }
  throw new ToolUnavailableError(program, `searched ${dirs.join(delimiter)}`, { debianPackage: search.debianPackage })
}

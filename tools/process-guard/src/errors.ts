/**
 * A program that a test, bench or demo needs is not on this machine. The message names the
 * program and how to get it: a Debian package (what `.ci/run` installs), or the npm package that
 * ships it.
 */
export class ToolUnavailableError extends Error {
  override readonly name = 'ToolUnavailableError'
  /** The Debian package that installs the program, when one does. */
  readonly debianPackage: string | undefined

  constructor(
    /** What was looked for: `initdb`, `haproxy`, `anvil`. */
    readonly program: string,
    /** Where it was looked for, or why there is none. */
    detail: string,
    /** How to get it: a Debian package, or the remedy in words. */
    source: { readonly debianPackage: string } | { readonly remedy: string },
  ) {
    super(`${program} not found (${detail}): ${remedy(source)}`)
    this.debianPackage = 'debianPackage' in source ? source.debianPackage : undefined
  }
}

function remedy(source: { readonly debianPackage: string } | { readonly remedy: string }): string {
  if ('remedy' in source) return source.remedy
  return `install the Debian package ${source.debianPackage} (apt-get install -y ${source.debianPackage})`
}

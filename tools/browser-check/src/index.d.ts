import type { BrowserContext, Page } from 'playwright-core'

/** Debian's chromium, never a downloaded one; nothing phoning home. */
export declare const CHROMIUM_ARGS: readonly string[]
/** The installed chromium's path; @throws ToolUnavailableError (of @stack/process-guard) naming Debian's package chromium when there is none. */
export declare function chromiumPath(): string
/** Headless chromium on a fresh profile, its first page, and the page's script errors and CSP violations. */
export declare function openBrowser(profileDir: string, viewport?: { width: number; height: number }): Promise<{ context: BrowserContext; page: Page; errors: string[] }>
/** Run in a page (`page.evaluate(A11Y_PROBLEMS)`): the accessibility problems found, as lines; [] if none. */
export declare const A11Y_PROBLEMS: string
/** Run in a page (`page.evaluate(TABLE_OVERFLOWS)`): the table cells whose content overflows them or that are cut off by a clipping box, as lines; [] if none. */
export declare const TABLE_OVERFLOWS: string

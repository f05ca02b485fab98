import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

/**
 * Debian's PostgreSQL programs live in /usr/lib/postgresql/<major>/bin, not on PATH (only the
 * client wrappers are): the newest major first.
 */
export function postgresBinDirs(root = '/usr/lib/postgresql'): string[] {
  let majors: string[]
  try {
    majors = readdirSync(root).filter((name) => /^\d+$/.test(name))
  } catch {
    return []
  }
  return majors.sort((a, b) => Number(b) - Number(a)).map((major) => join(root, major, 'bin'))
}

/** uid and gid of a local user from /etc/passwd; undefined if there is none. */
export function localUser(name: string): { uid: number; gid: number } | undefined {
  let passwd: string
  try {
    passwd = readFileSync('/etc/passwd', 'utf8')
  } catch {
    return undefined
  }
  for (const line of passwd.split('\n')) {
    const [user, , uid, gid] = line.split(':')
    if (user === name && uid !== undefined && gid !== undefined) return { uid: Number(uid), gid: Number(gid) }
  }
  return undefined
}

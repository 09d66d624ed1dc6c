/**
 * Which host paths the API may read or write. A caller of the API (a browser tab holding the
 * token, a compromised renderer) must not be able to read any file on the machine through an
 * import, nor write anywhere through an export. Allowed: the workspace (its import folder
 * included), the bundle library, the shared folder, and what the user granted: a path given on
 * the command line, a native-dialog pick, or a folder typed in the UI and confirmed there
 * (`paths.allow`). Every path is resolved with its symbolic links followed before it is checked,
 * so a link inside the workspace that points elsewhere leads elsewhere, and is refused.
 */
import { realpathSync, statSync } from 'node:fs'
import { basename, dirname, isAbsolute, join, parse, relative, resolve, sep } from 'node:path'
import { ApiError } from '../contract/api'

/** A folder the API may use, and what to call it in a refusal. */
export interface AllowedRoot {
  label: string
  path: string
}

/**
 * The real path of `path` (absolute, every symbolic link followed), also for a path that does
 * not exist yet (an export target): its nearest existing ancestor is resolved and the rest kept.
 */
export function realPath(path: string): string {
  let head = resolve(path)
  const tail: string[] = []
  for (;;) {
    try {
      return join(realpathSync.native(head), ...tail)
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw err
      const parent = dirname(head)
      if (parent === head) return join(head, ...tail)
      tail.unshift(basename(head))
      head = parent
    }
  }
}

/**
 * Whether `path` is `root` or lies under it (both already resolved).
 * @example isWithin('/ws', '/ws/import/a.csv') // true
 * @example isWithin('/ws', '/ws-other/a.csv') // false
 */
export function isWithin(root: string, path: string): boolean {
  const rel = relative(root, path)
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel))
}

export class PathPolicy {
  /** Real paths the user granted in this session (files or folders; a folder covers its contents). */
  private readonly grants = new Set<string>()

  /** `roots()` is asked at every check: the shared folder and the library are settings that change. */
  constructor(private readonly roots: () => AllowedRoot[]) {}

  /** Records a grant for `path` and everything under it; returns its real path. */
  grant(path: string): string {
    const real = realPath(path)
    this.grants.add(real)
    return real
  }

  /**
   * Checks a folder the UI asks to allow: absolute, existing, a folder, and not the root of a
   * file system (allowing that would allow everything). Returns its real path; grants nothing.
   */
  grantableFolder(folder: string, field = 'folder'): string {
    if (!isAbsolute(folder)) throw new ApiError('bad_input', `'${folder}' is a relative path: give the folder's absolute path`, field)
    const real = realPath(folder)
    let isDir = false
    try {
      isDir = statSync(real).isDirectory()
    } catch {
      throw new ApiError('not_found', `no such folder: ${folder}`, field)
    }
    if (!isDir) throw new ApiError('bad_input', `${folder} is not a folder`, field)
    if (parse(real).root === real) throw new ApiError('bad_input', `${real} is the root of the file system: allow a folder inside it instead`, field)
    return real
  }

  /**
   * Checks one path an API call was given; returns its real path, for the caller to use in place
   * of the one given (what was checked is what gets opened). Relative paths are refused: they
   * would resolve against the server's working directory, which the caller cannot see.
   */
  check(path: string, field: string): string {
    if (!isAbsolute(path)) throw new ApiError('bad_input', `'${path}' is a relative path: give an absolute path`, field)
    const real = realPath(path)
    if (this.allows(real)) return real
    const via = real !== resolve(path) ? ` (a symbolic link to ${real})` : ''
    const roots = this.resolvedRoots()
      .map((r) => `${r.label} ${r.path}`)
      .join(', ')
    throw new ApiError('forbidden', `${path}${via} is outside the folders this workbench may use (${roots}); allow its folder first`, field)
  }

  /** Whether a real path lies in an allowed root or a grant. */
  allows(real: string): boolean {
    for (const r of this.resolvedRoots()) if (isWithin(r.path, real)) return true
    for (const g of this.grants) if (isWithin(g, real)) return true
    return false
  }

  private resolvedRoots(): AllowedRoot[] {
    return this.roots().map((r) => ({ label: r.label, path: realPath(r.path) }))
  }
}

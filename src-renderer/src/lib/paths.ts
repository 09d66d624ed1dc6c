/**
 * Pure helpers for host paths typed in the UI (imports, exports, bundle folders). The host decides
 * what is allowed; these only say which folder to offer when it refuses one, and which dropped
 * files an import would read.
 */
import { IMPORTABLE_EXTENSIONS } from '../../../src-main/contract/api'

const EXTENSIONS: readonly string[] = IMPORTABLE_EXTENSIONS

/**
 * Whether a file name has an extension the import reads (any case).
 * @example isImportable('a.CSV') // true
 * @example isImportable('.csv') // false
 */
export function isImportable(name: string): boolean {
  const dot = name.lastIndexOf('.')
  return dot > 0 && EXTENSIONS.includes(name.slice(dot).toLowerCase())
}

/**
 * The folder holding a path on the host, with POSIX or Windows separators; null when the path has
 * no folder part.
 * @example parentFolder('/data/metrics/a.csv') // '/data/metrics'
 * @example parentFolder('C:\\data\\a.csv') // 'C:\\data'
 * @example parentFolder('/a.csv') // '/'
 * @example parentFolder('a.csv') // null
 */
export function parentFolder(path: string): string | null {
  const p = path.trim().replace(/[\\/]+$/, '')
  const cut = Math.max(p.lastIndexOf('/'), p.lastIndexOf('\\'))
  if (cut < 0) return null
  if (cut === 0) return p[0]
  // `C:\a.csv` → `C:\` (the drive's root, not the bare `C:`).
  if (cut === 2 && p[1] === ':') return p.slice(0, 3)
  return p.slice(0, cut)
}

/**
 * The entry a refused call's field names in a list it was given, e.g. `files.1` → the second file.
 * @example listEntry('files.1', 'files', ['/a.csv', '/b.csv']) // '/b.csv'
 * @example listEntry('options.name', 'files', ['/a.csv']) // null
 */
export function listEntry(field: string | null, name: string, list: readonly string[]): string | null {
  const m = field ? new RegExp(`^${name}\\.(\\d+)$`).exec(field) : null
  return m ? (list[Number(m[1])] ?? null) : null
}

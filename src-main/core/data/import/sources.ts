/**
 * The files an import reads, from the paths it was given (files and folders), and what each file
 * is called inside the dataset.
 *
 * - A folder stands for every CSV / TSV / TXT / Parquet file under it, in nested folders too, in
 *   natural order (`2.csv` before `10.csv`). Hidden entries (`.x`) and symbolic links are skipped
 *   (a link could lead outside the folder the user allowed); other files are skipped and counted.
 * - Each file is a segment named by its path relative to the common folder, `/`-separated and
 *   without its extension: `valve1/0`. The common folder is the one folder given, else the
 *   deepest folder holding every file. Two files that differ only by extension keep it.
 * - The dataset's default name is that folder's name (one file alone: the file's name).
 */
import { lstat, readdir, stat } from 'node:fs/promises'
import { basename, dirname, extname, join, relative, resolve, sep } from 'node:path'
import { ImportError } from './import-error'
import { IMPORTABLE_EXTENSIONS } from './options'

export const IMPORTABLE_EXTS: ReadonlySet<string> = new Set(IMPORTABLE_EXTENSIONS)
/** Most files one import reads: a folder of more is refused rather than listed without end. */
export const MAX_IMPORT_FILES = 10_000
/** Deepest nesting followed under a folder. */
const MAX_DEPTH = 32

export interface ImportSources {
  /** Absolute paths, in import order. */
  files: string[]
  /** Each file's segment name (see above), same order. */
  segments: string[]
  /** The folder segment names are relative to (null for a single file). */
  root: string | null
  /** The dataset's name unless one is given. */
  defaultName: string
  /** Files under the folders that were not imported (other extensions), for the report. */
  skipped: string[]
}

const natural = new Intl.Collator('en', { numeric: true, sensitivity: 'base' })

export async function resolveSources(paths: string[]): Promise<ImportSources> {
  if (paths.length === 0) throw new ImportError('(no file)', 'no files to import')
  const files: string[] = []
  const skipped: string[] = []
  const folders: string[] = []
  const seen = new Set<string>()
  const add = (file: string, given: string) => {
    if (seen.has(file)) throw new ImportError(given, 'named twice (a file given twice, or a file inside a folder also given)')
    seen.add(file)
    if (files.push(file) > MAX_IMPORT_FILES) throw new ImportError(given, `more than ${MAX_IMPORT_FILES.toLocaleString('en-US')} files to import: import fewer at a time`)
  }
  for (const given of paths) {
    const path = resolve(given)
    // A path that cannot be read is passed on as a file: the importer says what is wrong with it
    // (a wrong extension first, then the read error).
    const st = await lstat(path).catch(() => null)
    if (!st?.isDirectory()) {
      add(path, given)
      continue
    }
    folders.push(path)
    const before = files.length
    await walk(path, 0, (f) => add(f, given), skipped)
    if (files.length === before) {
      throw new ImportError(given, `no CSV, TSV, TXT or Parquet file in this folder${skipped.length ? ` (skipped: ${skipped.slice(0, 5).map((s) => basename(s)).join(', ')})` : ''}`)
    }
  }
  const root = folders.length === 1 && files.every((f) => f.startsWith(folders[0] + sep)) ? folders[0] : files.length > 1 ? commonFolder(files) : null
  const segments = segmentNames(files, root)
  const defaultName = root === null ? basename(files[0], extname(files[0])) : basename(root) || `${segments[0]} +${files.length - 1} files`
  return { files, segments, root, defaultName, skipped }
}

async function walk(dir: string, depth: number, add: (file: string) => void, skipped: string[]): Promise<void> {
  if (depth > MAX_DEPTH) throw new ImportError(dir, `folders nested more than ${MAX_DEPTH} deep`)
  let entries
  try {
    entries = await readdir(dir, { withFileTypes: true })
  } catch (err) {
    throw new ImportError(dir, `cannot read the folder: ${(err as Error).message}`)
  }
  entries.sort((a, b) => natural.compare(a.name, b.name))
  for (const e of entries) {
    if (e.name.startsWith('.') || e.isSymbolicLink()) continue
    const path = join(dir, e.name)
    if (e.isDirectory()) await walk(path, depth + 1, add, skipped)
    else if (e.isFile()) {
      if (IMPORTABLE_EXTS.has(extname(e.name).toLowerCase())) add(path)
      else skipped.push(path)
    }
  }
}

/**
 * The deepest folder that holds every file.
 * @example commonFolder(['/d/a/0.csv', '/d/b/0.csv']) // '/d'
 */
export function commonFolder(files: string[]): string {
  let common = dirname(files[0])
  for (const f of files) {
    while (common !== dirname(common) && !f.startsWith(common.endsWith(sep) ? common : common + sep)) common = dirname(common)
  }
  return common
}

/**
 * Segment names: paths relative to `root`, `/`-separated, without extension unless that would
 * make two names equal. A single file has its base name.
 * @example segmentNames(['/d/a/0.csv', '/d/b/0.csv'], '/d') // ['a/0', 'b/0']
 * @example segmentNames(['/d/x.csv', '/d/x.parquet'], '/d') // ['x.csv', 'x.parquet']
 */
export function segmentNames(files: string[], root: string | null): string[] {
  const withExt = files.map((f) => (root === null ? basename(f) : relative(root, f).split(sep).join('/')))
  const bare = withExt.map((r) => r.slice(0, r.length - extname(r).length))
  const count = new Map<string, number>()
  for (const b of bare) count.set(b, (count.get(b) ?? 0) + 1)
  return bare.map((b, i) => (count.get(b)! > 1 ? withExt[i] : b))
}

/** Each file's size in bytes, after checking it is an importable, readable regular file. */
export async function fileSizes(files: string[]): Promise<number[]> {
  const sizes: number[] = []
  for (const file of files) {
    const ext = extname(file).toLowerCase()
    if (!IMPORTABLE_EXTS.has(ext)) {
      throw new ImportError(file, `unknown file type '${ext || '(none)'}' (expected .csv, .tsv, .txt or .parquet)`)
    }
    let st
    try {
      st = await stat(file)
    } catch (err) {
      throw new ImportError(file, `cannot read: ${(err as Error).message}`)
    }
    if (!st.isFile()) throw new ImportError(file, st.isDirectory() ? 'is a folder, not a file' : 'is not a regular file')
    sizes.push(st.size)
  }
  return sizes
}

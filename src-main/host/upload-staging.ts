/**
 * The staging folder for files uploaded through the web host (`<workspace>/uploads`): files a
 * browser holds that are not on the host's disk. One upload *set* per drop or pick (a folder of
 * files keeps its relative paths inside it), imported like any folder of the workspace, then
 * removed: after its import ended (stored or failed), when one of its uploads failed (a set is
 * all or nothing), or, left behind by a process that stopped, when a later host opens the
 * workspace and finds it older than STALE_SET_MS.
 *
 * A file is streamed to `<name>.part` and renamed when its last byte is written, so no importer
 * ever sees half a file. Names come from the client: each part is checked (no `..`, no hidden
 * entries, no separators or control bytes) before anything is created.
 */
import { createWriteStream } from 'node:fs'
import { link, mkdir, readdir, rm, stat, unlink } from 'node:fs/promises'
import { randomBytes } from 'node:crypto'
import { join, extname, sep } from 'node:path'
import { Transform, type Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { ApiError } from '../contract/api'
import type { StagedFile } from '../contract/upload'
import { IMPORTABLE_EXTS, MAX_IMPORT_FILES } from '../core/data/import/sources'
import { isWithin } from './path-policy'
import { formatBytes } from '../core/format-bytes'

/** Sets a stopped process left behind are removed when older than this (a day: no upload, preview and import takes longer). */
const STALE_SET_MS = 24 * 60 * 60 * 1000
/** Folder depth of a name (the import follows 32 levels; a dropped folder is never near that). */
const MAX_NAME_PARTS = 32
/** Longest part of a name, in UTF-8 bytes: the usual file-system limit. */
const MAX_PART_BYTES = 255
const SET_ID = /^[a-z0-9]{16}$/
// Control bytes, and characters some file systems refuse or treat as separators.
const BAD_CHARS = /[\u0000-\u001f\u007f<>:"\\|?*]/

export class UploadTooLarge extends Error {
  constructor(readonly limit: number) {
    super(`the upload is over ${formatBytes(limit)}, the most one upload set may hold: import a file this big from the host's disk instead`)
  }
}

/**
 * The parts of an uploaded file's name, checked: `/`-separated, each part a plain file or folder
 * name, the last one with an importable extension. Throws `bad_input` naming what is wrong.
 * @example uploadNameParts('skab/valve1/0.csv') // ['skab', 'valve1', '0.csv']
 */
export function uploadNameParts(name: string): string[] {
  const parts = name.split('/')
  const refuse = (why: string): never => {
    throw new ApiError('bad_input', `upload name '${name.replace(BAD_CHARS, '?').slice(0, 300)}': ${why}`, 'name')
  }
  if (name === '') refuse('empty')
  if (parts.length > MAX_NAME_PARTS) refuse(`more than ${MAX_NAME_PARTS} folders deep`)
  for (const p of parts) {
    if (p === '') refuse('an empty part (a leading, trailing or doubled /)')
    if (p.startsWith('.')) refuse(`'${p}' is a hidden or relative entry (starts with .)`)
    if (BAD_CHARS.test(p)) refuse('holds a control byte or one of < > : " \\ | ? *')
    if (Buffer.byteLength(p) > MAX_PART_BYTES) refuse(`a part is longer than ${MAX_PART_BYTES} bytes`)
  }
  const ext = extname(parts[parts.length - 1]).toLowerCase()
  if (!IMPORTABLE_EXTS.has(ext)) refuse(`not a CSV, TSV, TXT or Parquet file (${ext || 'no extension'})`)
  return parts
}

export class UploadStaging {
  readonly root: string
  /** Bytes and files written to each open set by this process (the cap counts them). */
  private readonly sizes = new Map<string, { bytes: number; files: number }>()

  constructor(workspaceDir: string) {
    this.root = join(workspaceDir, 'uploads')
  }

  /** Removes sets older than STALE_SET_MS (left by a process that stopped before their import). */
  async sweep(now = Date.now()): Promise<void> {
    const entries = await readdir(this.root, { withFileTypes: true }).catch(() => [])
    for (const e of entries) {
      const dir = join(this.root, e.name)
      const st = await stat(dir).catch(() => null)
      if (st && now - st.mtimeMs > STALE_SET_MS) await rm(dir, { recursive: true, force: true })
    }
  }

  /**
   * Streams `body` into set `set` (a new set when null) under `name`, refusing it past `limit`
   * bytes for the whole set. On any failure the whole set is removed and the error rethrown.
   */
  async receive(set: string | null, name: string, body: Readable, limit: number): Promise<StagedFile> {
    const parts = uploadNameParts(name)
    const id = set ?? randomBytes(8).toString('hex')
    if (!SET_ID.test(id)) throw new ApiError('bad_input', `upload set '${id.slice(0, 40).replace(BAD_CHARS, '?')}' is not one this host made`, 'set')
    const dir = join(this.root, id)
    const size = this.sizes.get(id)
    if (set !== null && !size) throw new ApiError('not_found', `upload set ${id} is not open (imported, failed or made by another process): upload the files again`, 'set')
    if (size && size.files >= MAX_IMPORT_FILES) throw new ApiError('bad_input', `more than ${MAX_IMPORT_FILES} files in one upload set`, 'name')
    const path = join(dir, ...parts)
    // The checked parts cannot leave the set; this says so once more for the reader (and for other platforms' separators).
    if (!isWithin(dir, path) || path === dir) throw new ApiError('bad_input', `upload name '${name}' leaves its set`, 'name')
    const counted = size ?? { bytes: 0, files: 0 }
    this.sizes.set(id, counted)
    const part = `${path}.${randomBytes(4).toString('hex')}.part`
    let bytes = 0
    try {
      await mkdir(join(path, '..'), { recursive: true })
      const cap = new Transform({
        transform(chunk: Buffer, _enc, done) {
          bytes += chunk.length
          counted.bytes += chunk.length
          done(counted.bytes > limit ? new UploadTooLarge(limit) : null, chunk)
        }
      })
      await pipeline(body, cap, createWriteStream(part, { flags: 'wx' }))
      // link + unlink rather than rename: fails when the name is taken (a file uploaded twice) instead of replacing it.
      await link(part, path).catch((err: NodeJS.ErrnoException) => {
        throw err.code === 'EEXIST' ? new ApiError('conflict', `'${name}' was uploaded twice into one set`, 'name') : err
      })
      await unlink(part)
      counted.files++
    } catch (err) {
      await this.discard(id)
      throw err
    }
    return { set: id, path, entry: join(dir, parts[0]), bytes }
  }

  /** Removes a set and everything in it. */
  async discard(set: string): Promise<void> {
    this.sizes.delete(set)
    if (SET_ID.test(set)) await rm(join(this.root, set), { recursive: true, force: true })
  }

  /** The sets that hold any of these (resolved) paths. */
  setsOf(paths: string[]): string[] {
    const sets = new Set<string>()
    for (const p of paths) {
      if (!isWithin(this.root, p) || p === this.root) continue
      const id = p.slice(this.root.length + 1).split(sep)[0]
      if (SET_ID.test(id)) sets.add(id)
    }
    return [...sets]
  }

  /** Removes the staged sets among `paths` once `ended` settles (their import stored or failed). */
  releaseAfter(paths: string[], ended: Promise<unknown>): void {
    const sets = this.setsOf(paths)
    if (sets.length === 0) return
    void ended.finally(() => Promise.all(sets.map((s) => this.discard(s)))).catch(() => {})
  }
}

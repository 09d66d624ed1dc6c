/**
 * Dataset import: CSV/TSV/TXT and Parquet files (or folders of them) → one LabelledSeries.
 *
 * - Folders stand for the files under them (sources.ts). Several files form one dataset with one
 *   segment per file, named by its path relative to the common folder (`valve1/0`); all must
 *   have the same feature columns in the same order, and agree on having a label column and a
 *   timestamp column.
 * - Column roles (label, anomaly type, extra labels, ignored, timestamp, entity, features) follow
 *   the options and the naming rules of detect.ts; the version records them (`report.roles`).
 * - With an entity column, rows are grouped into one segment per entity, stably: segment order =
 *   first appearance, and within an entity the file order is kept (it must already be time
 *   ordered). So interleaved panel data (all entities at t0, then t1, ...) imports as well as data
 *   sorted by entity. Entity ids repeated in several files get the file's segment name as prefix
 *   (`a/0:host-1`) to keep segments distinct.
 * - Timestamps must strictly increase within a file (or entity): duplicates and steps backwards
 *   are errors naming both lines. Without a timestamp column, row k of each segment is at
 *   k x `intervalMs` (the declared step; 1 ms, a row index, when none is given) and the report
 *   says so.
 * - intervalMs = the declared step, else the median of the timestamp deltas within segments.
 * - Without a label column the version is unlabelled (`series.unlabelled`): its labels are all 0
 *   and mean "unknown", not "normal".
 * - Feature columns that look like a label are named in the warnings (label-like.ts).
 * - Missing feature cells follow `opts.missing` (default DEFAULT_MISSING_RULE, see
 *   missing-values.ts): `refuse` names the first one's file, line and column; the fill rules
 *   work within each segment and the report says how many cells they filled. A feature column
 *   with no value in any row is refused.
 * - Nothing half-imported: the result is built only after every file read and checked; any
 *   problem throws an ImportError (import writes no files, so nothing is left behind).
 */
import { basename, extname, relative, sep } from 'node:path'
import type { LabelledSeries, Segment } from '../series'
import { DEFAULT_MISSING_RULE, describeFill, fillSeries, MissingValuesError, type FillReport } from '../missing-values'
import { readCsvFile } from './csv-import'
import { readParquetFile } from './parquet-import'
import { ImportError } from './import-error'
import { CancelledError } from '../../cancelled'
import { safeMessage } from './cell-text'
import { planRoles, type FileTable, type ReadOptions } from './detect'
import { fileSizes, resolveSources, type ImportSources } from './sources'
import { labelLikeColumns, type LabelLikeColumn } from './label-like'
import type { ColumnRoleEntry } from './options'

export type { ReadOptions } from './detect'
export type { ImportOptions } from './options'
export { ImportError } from './import-error'
export type { LabelLikeColumn } from './label-like'

export interface ImportProgress {
  /** The file being read. */
  file: string
  /** Bytes read so far over all files (so one progress bar covers a multi-file import). */
  bytesRead: number
  /** Total bytes of all files. */
  bytesTotal: number
  /** Rows read so far over all files. */
  rows: number
}

export interface ImportReport {
  files: { file: string; rows: number }[]
  /** Missing cells per feature, over all files (as read, before any filling). */
  missing: Record<string, number>
  /** What the missing-value rule filled; null under `refuse` and `keep` (nothing filled). */
  filled: FillReport | null
  /** Things the user should know that are not errors (no timestamp column, no labels, ...). */
  warnings: string[]
  /** Every column of the files and its role, in file order. */
  roles: ColumnRoleEntry[]
  /** Feature columns that look like a label (also in `warnings`). */
  labelLike: LabelLikeColumn[]
  /** Each file as the dataset names it: its path relative to the common folder (one file: its name). */
  sources: string[]
}

const PARQUET_EXTS = new Set(['.parquet'])

export async function importFiles(
  files: string[],
  opts: ReadOptions = {},
  onProgress?: (p: ImportProgress) => void,
  shouldStop?: () => boolean
): Promise<LabelledSeries> {
  return (await importDataset(files, opts, onProgress, shouldStop)).series
}

/** importFiles plus a report (missing cells, warnings, roles) for UIs and the CLI. `paths` may name folders. */
export async function importDataset(
  paths: string[],
  opts: ReadOptions = {},
  onProgress?: (p: ImportProgress) => void,
  shouldStop?: () => boolean
): Promise<{ series: LabelledSeries; report: ImportReport }> {
  const sources = await resolveSources(paths)
  const { files } = sources
  const sizes = await fileSizes(files)
  const bytesTotal = sizes.reduce((a, b) => a + b, 0)

  const tables: FileTable[] = []
  let bytesBefore = 0
  let rowsBefore = 0
  for (let k = 0; k < files.length; k++) {
    const file = files[k]
    if (shouldStop?.()) throw new CancelledError(`import cancelled before ${file}`)
    const hooks = {
      onProgress: (bytesRead: number, rows: number) =>
        onProgress?.({ file, bytesRead: bytesBefore + bytesRead, bytesTotal, rows: rowsBefore + rows }),
      shouldStop
    }
    const table = PARQUET_EXTS.has(extname(file).toLowerCase()) ? await readParquetFile(file, opts, hooks) : await readCsvFile(file, opts, hooks)
    if (tables.length > 0) checkSameColumns(tables[0], table)
    checkInterval(table, opts)
    await checkTimeOrder(table)
    if (opts.missing === 'refuse') await refuseMissing(table)
    tables.push(groupByEntity(table))
    bytesBefore += sizes[k]
    rowsBefore += table.rows
  }
  checkColumnsHaveValues(files, tables, opts)
  return assemble(sources, tables, opts)
}

/** A declared interval is for files without a timestamp column: with one, the two could disagree. */
function checkInterval(t: FileTable, opts: ReadOptions): void {
  if (opts.intervalMs === undefined || t.plan.timestamp < 0) return
  const column = t.plan.names[t.plan.timestamp]
  throw new ImportError(
    t.file,
    `has a timestamp column ('${column}'): an interval (--interval, intervalMs) is only for files without one; drop the interval, or ignore the column (--ignore-column ${column}) to number the rows`,
    { column }
  )
}

/** Under the `refuse` rule: the first missing cell in file order, with its line and column. */
async function refuseMissing(t: FileTable): Promise<void> {
  let row = -1
  let column = ''
  t.values.forEach((v, f) => {
    const end = row < 0 ? t.rows : row
    for (let i = 0; i < end; i++) {
      if (v[i] !== v[i]) {
        row = i
        column = t.plan.names[t.plan.features[f]]
        break
      }
    }
  })
  if (row < 0) return
  const [loc] = await t.locate([row])
  throw new ImportError(t.file, "missing value, and the missing-value rule is 'refuse' (use forward-fill or interpolate to fill missing cells)", { ...loc, column })
}

/** A feature column with no value in any row of any file gives a model nothing: refused. */
function checkColumnsHaveValues(files: string[], tables: FileTable[], opts: ReadOptions): void {
  if (opts.missing === 'keep') return
  const rows = tables.reduce((a, t) => a + t.rows, 0)
  for (const column of featureNames(tables[0])) {
    if (tables.reduce((a, t) => a + t.missing[column], 0) < rows) continue
    const where = files.length === 1 ? `any of its ${rows.toLocaleString('en-US')} rows` : `any row of the ${files.length} files`
    throw new ImportError(files[0], `no value in ${where} (every cell is blank, NaN, NA or null): drop the column or fill it`, { column })
  }
}

function featureNames(t: FileTable): string[] {
  return t.plan.features.map((i) => t.plan.names[i])
}

function checkSameColumns(first: FileTable, t: FileTable): void {
  const a = featureNames(first)
  const b = featureNames(t)
  const same = a.length === b.length && a.every((n, i) => n === b[i])
  if (!same) {
    const missing = a.filter((n) => !b.includes(n))
    const extra = b.filter((n) => !a.includes(n))
    const diff =
      missing.length || extra.length
        ? [missing.length ? `missing ${missing.join(', ')}` : '', extra.length ? `extra ${extra.join(', ')}` : ''].filter(Boolean).join('; ')
        : `same columns in a different order (${b.join(', ')} vs ${a.join(', ')})`
    throw new ImportError(t.file, `feature columns differ from ${first.file}: ${diff}`)
  }
  const ta = Object.keys(first.targets).join(', ')
  const tb = Object.keys(t.targets).join(', ')
  if (ta !== tb) throw new ImportError(t.file, `extra label columns differ from ${first.file}: [${tb}] vs [${ta}]`)
  // A dataset is labelled or not, timed or not, as a whole: rows without a label would read as
  // normal beside labelled ones, and row numbers beside real times would make no time axis.
  const has = (x: FileTable, i: number) => (i >= 0 ? `has '${x.plan.names[i]}'` : 'has none')
  if ((first.plan.label < 0) !== (t.plan.label < 0)) {
    throw new ImportError(t.file, `label column: this file ${has(t, t.plan.label)}, ${first.file} ${has(first, first.plan.label)}; import labelled and unlabelled files as separate datasets`)
  }
  if ((first.plan.timestamp < 0) !== (t.plan.timestamp < 0)) {
    throw new ImportError(t.file, `timestamp column: this file ${has(t, t.plan.timestamp)}, ${first.file} ${has(first, first.plan.timestamp)}; every file of a dataset needs one, or none does`)
  }
}

function showTime(t: number, table: FileTable): string {
  return table.plan.timestamp >= 0 && Number.isFinite(t) ? new Date(t).toISOString() : String(t)
}

function where(loc: { line?: number; row?: number }): string {
  return loc.line !== undefined ? `line ${loc.line}` : `row ${loc.row}`
}

/** Strictly increasing timestamps within the file, or within each entity. */
async function checkTimeOrder(t: FileTable): Promise<void> {
  const ts = t.timestamps
  let bad = -1
  let prev = -1
  if (!t.entities) {
    for (let i = 1; i < t.rows; i++) {
      if (!(ts[i] > ts[i - 1])) {
        bad = i
        prev = i - 1
        break
      }
    }
  } else {
    const last = new Float64Array(t.entityIds.length).fill(-Infinity)
    const lastRow = new Int32Array(t.entityIds.length).fill(-1)
    const ent = t.entities
    for (let i = 0; i < t.rows; i++) {
      const e = ent[i]
      if (!(ts[i] > last[e])) {
        bad = i
        prev = lastRow[e]
        break
      }
      last[e] = ts[i]
      lastRow[e] = i
    }
  }
  if (bad < 0) return
  const [locBad, locPrev] = await t.locate([bad, prev])
  const column = t.plan.timestamp >= 0 ? t.plan.names[t.plan.timestamp] : undefined
  const of = t.entities ? ` for entity '${t.entityIds[t.entities[bad]]}'` : ''
  const reason =
    ts[bad] === ts[prev]
      ? `duplicate timestamp ${showTime(ts[bad], t)}${of} (also on ${where(locPrev)})`
      : `timestamp ${showTime(ts[bad], t)} goes backwards${of} (${where(locPrev)} has ${showTime(ts[prev], t)})`
  throw new ImportError(t.file, reason, { ...locBad, column })
}

/** Reorders rows so each entity is contiguous (stable; entities in order of first appearance). */
function groupByEntity(t: FileTable): FileTable {
  if (!t.entities) return t
  const ent = t.entities
  const count = new Uint32Array(t.entityIds.length + 1)
  for (let i = 0; i < t.rows; i++) count[ent[i] + 1]++
  for (let e = 1; e < count.length; e++) count[e] += count[e - 1]
  const perm = new Uint32Array(t.rows)
  let identity = true
  for (let i = 0; i < t.rows; i++) {
    const k = count[ent[i]]++
    perm[k] = i
    if (k !== i) identity = false
  }
  if (identity) return t
  const permute = <T extends Float64Array | Float32Array | Uint8Array | Uint32Array>(a: T): T => {
    const b = new (a.constructor as new (n: number) => T)(a.length)
    for (let k = 0; k < perm.length; k++) b[k] = a[perm[k]]
    return b
  }
  return {
    ...t,
    timestamps: permute(t.timestamps),
    values: t.values.map(permute),
    labels: permute(t.labels),
    types: permute(t.types),
    entities: permute(ent),
    targets: Object.fromEntries(Object.entries(t.targets).map(([k, v]) => [k, permute(v)]))
  }
}

function assemble(sources: ImportSources, tables: FileTable[], opts: ReadOptions): { series: LabelledSeries; report: ImportReport } {
  const { files } = sources
  const first = tables[0]
  const columns = featureNames(first)
  const total = tables.reduce((a, t) => a + t.rows, 0)
  const single = tables.length === 1

  // Anomaly type names: order of first appearance over all files.
  const anomalyTypeNames: string[] = []
  const remaps = tables.map((t) => {
    const map = new Uint8Array(t.typeNames.length + 1)
    t.typeNames.forEach((name, i) => {
      let g = anomalyTypeNames.indexOf(name)
      if (g < 0) g = anomalyTypeNames.push(name) - 1
      if (g >= 255) throw new ImportError(t.file, 'more than 255 distinct anomaly types over all files')
      map[i + 1] = g + 1
    })
    return map
  })

  // One file: its arrays already have one value per row (views), take them as they are.
  const timestamps = single ? first.timestamps : new Float64Array(total)
  const values = single ? first.values : columns.map(() => new Float32Array(total))
  const labels = single ? first.labels : new Uint8Array(total)
  const anomalyType = single ? first.types : new Uint8Array(total)
  const targetNames = Object.keys(first.targets)
  const targets: Record<string, Uint8Array> = single ? first.targets : Object.fromEntries(targetNames.map((k) => [k, new Uint8Array(total)]))

  const segments: Segment[] = []
  /** The file each segment came from, for messages about a segment. */
  const segmentFiles: string[] = []
  const entityFiles = new Map<string, number>()
  for (const t of tables) for (const id of t.entityIds) entityFiles.set(id, (entityFiles.get(id) ?? 0) + 1)

  let offset = 0
  tables.forEach((t, k) => {
    if (!single) {
      timestamps.set(t.timestamps, offset)
      t.values.forEach((v, c) => values[c].set(v, offset))
      labels.set(t.labels, offset)
      for (const name of targetNames) targets[name].set(t.targets[name], offset)
    }
    const remap = remaps[k]
    for (let i = 0; i < t.rows; i++) anomalyType[offset + i] = remap[t.types[i]]
    const fileSegment = sources.segments[k]
    if (t.entities) {
      let start = 0
      while (start < t.rows) {
        const e = t.entities[start]
        let end = start + 1
        while (end < t.rows && t.entities[end] === e) end++
        const id = t.entityIds[e]
        segments.push({ id: entityFiles.get(id)! > 1 ? `${fileSegment}:${id}` : id, start: offset + start, end: offset + end })
        segmentFiles.push(t.file)
        start = end
      }
    } else if (!single) {
      segments.push({ id: fileSegment, start: offset, end: offset + t.rows })
      segmentFiles.push(t.file)
    }
    offset += t.rows
  })

  const timed = first.plan.timestamp >= 0
  const unlabelled = first.plan.label < 0
  const spans = segments.length > 0 ? segments : [{ id: '', start: 0, end: total }]
  if (!timed) {
    // Row k of each segment (file or entity) is at k steps: entities interleaved in a file are
    // numbered each on its own, as their rows follow one another in time.
    const step = opts.intervalMs ?? 1
    for (const g of spans) for (let i = g.start; i < g.end; i++) timestamps[i] = (i - g.start) * step
  }

  const series: LabelledSeries = {
    name: opts.name ?? sources.defaultName,
    intervalMs: opts.intervalMs ?? medianInterval(timestamps, spans),
    timestamps,
    columns,
    values,
    labels,
    anomalyTypeNames,
    anomalyType,
    ...(segments.length > 0 ? { segments } : {}),
    ...(targetNames.length > 0 ? { targets } : {}),
    ...(unlabelled ? { unlabelled: true } : {})
  }

  const missing: Record<string, number> = Object.fromEntries(columns.map((c) => [c, 0]))
  for (const t of tables) for (const c of columns) missing[c] += t.missing[c]
  const warnings: string[] = []
  const theFiles = single ? files[0] : `the ${files.length} files`
  if (sources.skipped.length > 0) {
    const names = sources.skipped.slice(0, 5).map((f) => (sources.root ? relative(sources.root, f).split(sep).join('/') : basename(f)))
    warnings.push(`skipped ${sources.skipped.length} file${sources.skipped.length === 1 ? '' : 's'} that ${sources.skipped.length === 1 ? 'is' : 'are'} not CSV, TSV, TXT or Parquet (${names.join(', ')}${sources.skipped.length > 5 ? ', …' : ''})`)
  }
  if (!timed) {
    warnings.push(
      opts.intervalMs !== undefined
        ? `${theFiles}: no timestamp column; row k of each ${segments.length > 0 ? 'segment' : 'file'} is at k x ${opts.intervalMs} ms (the interval given)`
        : `${theFiles}: no timestamp column; rows are numbered 0, 1, 2, ... (ms): give the sampling interval (--interval, e.g. 5m) to record the real step`
    )
  }
  if (unlabelled) warnings.push(`${theFiles}: no label column; the dataset is stored as unlabelled (a model can train on it, but it cannot measure detection)`)
  const labelLike = unlabelled ? [] : labelLikeColumns(series)
  for (const l of labelLike) warnings.push(l.message)
  const nMissing = Object.values(missing).reduce((a, b) => a + b, 0)
  const rule = opts.missing ?? DEFAULT_MISSING_RULE
  let filled: FillReport | null = null
  if (nMissing === 0 || rule === 'refuse') {
    // Nothing to fill (refuse stopped at the first missing cell).
  } else if (rule === 'keep') {
    const cols = Object.entries(missing).filter(([, n]) => n > 0).map(([c, n]) => `${c} ${n}`)
    warnings.push(`${nMissing} missing cells left as NaN (${cols.join(', ')})`)
  } else {
    try {
      filled = fillSeries(series, rule)
    } catch (err) {
      if (!(err instanceof MissingValuesError)) throw err
      const k = err.segment ? segments.findIndex((g) => g.start === err.segment!.start) : -1
      throw new ImportError(k >= 0 ? segmentFiles[k] : files[0], err.message, { column: err.column })
    }
    warnings.push(describeFill(filled))
  }
  const report: ImportReport = {
    files: tables.map((t) => ({ file: t.file, rows: t.rows })),
    missing,
    filled,
    // Warnings quote file and column names: escaped like every import message (cell-text.ts).
    warnings: warnings.map(safeMessage),
    roles: planRoles(first.plan),
    labelLike: labelLike.map((l) => ({ ...l, message: safeMessage(l.message) })),
    sources: files.map((f) => (sources.root ? relative(sources.root, f).split(sep).join('/') : basename(f)))
  }
  return { series, report }
}

/** Median positive timestamp delta within segments; 1 when there is none (a single row). */
function medianInterval(ts: Float64Array, segments: Segment[]): number {
  let n = 0
  for (const s of segments) n += Math.max(0, s.end - s.start - 1)
  if (n === 0) return 1
  const deltas = new Float64Array(n)
  let k = 0
  for (const s of segments) for (let i = s.start + 1; i < s.end; i++) deltas[k++] = ts[i] - ts[i - 1]
  deltas.sort()
  return n % 2 === 1 ? deltas[(n - 1) / 2] : (deltas[n / 2 - 1] + deltas[n / 2]) / 2
}

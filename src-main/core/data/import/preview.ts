/**
 * What an import would do, before it runs: the files it would read (and their segment names),
 * the first file's columns with the roles the options give them (or the guesses), what each
 * column holds, its first rows, and the warnings the import would give on that sample. The UI
 * shows this as a table in which the user sets each column's role; every change asks again
 * with the new options, so the preview always plans columns exactly as the import will
 * (planColumns, one rule for both).
 *
 * Cheap by construction: the first file's first PREVIEW_BYTES (at most PREVIEW_RECORDS rows) and
 * the headers of at most HEADER_CHECKS other files; nothing is stored.
 */
import { extname } from 'node:path'
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects, parquetSchema } from 'hyparquet'
import { ImportError } from './import-error'
import { clip, escapeText, showCell } from './cell-text'
import { sniffCsv } from './csv-import'
import { cellKind, parseLabelCell, parseNumberCell, planColumns, planRoles, type ColumnPlan, type ReadOptions } from './detect'
import { COLUMN_KINDS, type ImportPreview } from './options'
import { fileSizes, resolveSources } from './sources'
import { labelLikeColumns } from './label-like'

const PREVIEW_BYTES = 1 << 20
const PREVIEW_RECORDS = 5000
/** Rows shown. */
const SHOWN_ROWS = 8
/** Other files whose header is compared with the first file's. */
const HEADER_CHECKS = 20
/** Files listed by name (the count says how many there are). */
const LISTED_FILES = 200
const CELL_CHARS = 60
/**
 * Largest first row group (uncompressed bytes) a Parquet preview decodes: the preview runs in
 * the host, and a row group is read whole. Bigger files are previewed from their schema alone.
 */
const MAX_PREVIEW_ROW_GROUP = 32 << 20

export type { ImportPreview } from './options'

interface Sample {
  /** Why no rows were sampled, when none were. */
  unsampled?: string
  names: string[]
  delimiter: string | null
  header: boolean
  /** Data records as text, in file order. */
  body: string[][]
  looksLikeTime(i: number): boolean
}

export async function previewImport(paths: string[], opts: ReadOptions = {}): Promise<ImportPreview> {
  const sources = await resolveSources(paths)
  await fileSizes(sources.files.slice(0, 1 + HEADER_CHECKS))
  const first = sources.files[0]
  const sample = await readSampleOf(first, PREVIEW_BYTES, PREVIEW_RECORDS)
  let problem: string | null = null
  let plan: ColumnPlan
  try {
    plan = planColumns(first, sample.names, opts, sample.looksLikeTime)
  } catch (err) {
    if (!(err instanceof ImportError)) throw err
    problem = err.message
    plan = planColumns(first, sample.names, {}, sample.looksLikeTime)
  }
  const roles = planRoles(plan)
  const warnings: string[] = sample.unsampled ? [sample.unsampled] : []
  const columns = sample.names.map((name, i) => {
    const { kind, examples } = describeColumn(sample.body, i)
    if (roles[i].role === 'feature' && kind === 'text') {
      const cell = sample.body.find((r) => r[i] !== undefined && cellKind(r[i]) === 'text')?.[i] ?? ''
      warnings.push(`column '${name}' holds text (${showCell(cell)}) and goes in as a feature, which must be numeric: ignore it (--ignore-column ${name}) or the import fails`)
    }
    // Names as they are: the UI sends them back as options, which must match the file's.
    return { name, role: roles[i].role, kind, examples }
  })
  for (const other of sources.files.slice(1, 1 + HEADER_CHECKS)) {
    // CSV: the header and a row (to tell a header); Parquet: the schema alone.
    const names = (await readSampleOf(other, 64 * 1024, extname(other).toLowerCase() === '.parquet' ? 0 : 2)).names
    const missing = sample.names.filter((n) => !names.includes(n))
    const extra = names.filter((n) => !sample.names.includes(n))
    if (missing.length || extra.length) {
      warnings.push(`${other}: columns differ from ${first} (${[missing.length ? `missing ${missing.join(', ')}` : '', extra.length ? `extra ${extra.join(', ')}` : ''].filter(Boolean).join('; ')})`)
    }
  }
  const labelLike = problem ? [] : sampleLabelLike(sample, plan)
  return {
    files: sources.files.slice(0, LISTED_FILES).map((path, k) => ({ path: escapeText(path), segment: escapeText(sources.segments[k]) })),
    fileCount: sources.files.length,
    defaultName: escapeText(sources.defaultName),
    format: extname(first).toLowerCase() === '.parquet' ? 'parquet' : 'csv',
    delimiter: sample.delimiter,
    header: sample.header,
    columns,
    rows: sample.body.slice(0, SHOWN_ROWS).map((r) => r.map((c) => escapeText(clip(c, CELL_CHARS)))),
    sampleRows: sample.body.length,
    labelLike,
    warnings: warnings.map((w) => escapeText(clip(w, 2000))),
    problem
  }
}

async function readSampleOf(file: string, maxBytes: number, maxRecords: number): Promise<Sample> {
  if (extname(file).toLowerCase() !== '.parquet') {
    const s = await sniffCsv(file, maxBytes, maxRecords + 1)
    return { names: s.names, delimiter: s.delimiter, header: s.hasHeader, body: s.body, looksLikeTime: s.looksLikeTime }
  }
  try {
    const buffer = await asyncBufferFromFile(file)
    const metadata = await parquetMetadataAsync(buffer)
    const top = parquetSchema(metadata).children
    const names = top.map((c) => c.element.name)
    const group = Number(metadata.row_groups[0]?.total_byte_size ?? 0)
    const unsampled = group > MAX_PREVIEW_ROW_GROUP ? `rows not sampled: the first row group is ${Math.round(group / (1 << 20))} MiB; roles are guessed from the column names and types` : undefined
    const rows = unsampled || maxRecords === 0 ? [] : await parquetReadObjects({ file: buffer, metadata, rowEnd: Math.min(Number(metadata.num_rows), maxRecords) })
    const text = (v: unknown): string => (v === null || v === undefined ? '' : v instanceof Date ? v.toISOString() : String(v))
    const body = rows.map((r) => names.map((n) => text(r[n])))
    const temporal = top.map((c) => {
      const lt = c.element.logical_type?.type
      return lt === 'TIMESTAMP' || lt === 'DATE' || c.element.type === 'INT96' || String(c.element.converted_type ?? '').startsWith('TIMESTAMP') || c.element.converted_type === 'DATE'
    })
    const iso = names.map((_, i) => body.length > 0 && body.every((r) => r[i] === '' || cellKind(r[i]) === 'date'))
    return { unsampled, names, delimiter: null, header: true, body, looksLikeTime: (i) => temporal[i] || iso[i] }
  } catch (err) {
    throw new ImportError(file, `not a readable Parquet file (${(err as Error).message})`)
  }
}

function describeColumn(body: string[][], i: number): { kind: (typeof COLUMN_KINDS)[number]; examples: string[] } {
  const examples: string[] = []
  let text = false
  let date = false
  let numbers = 0
  let integers = true
  let binary = true
  for (const r of body) {
    const cell = r[i]
    if (cell === undefined) continue
    const k = cellKind(cell)
    if (k === 'empty') continue
    if (examples.length < 4 && !examples.includes(cell.trim())) examples.push(cell.trim())
    if (k === 'text') text = true
    else if (k === 'date') date = true
    else if (k === 'bool') numbers++
    else {
      numbers++
      const v = Number(cell)
      if (!Number.isInteger(v)) integers = binary = false
      else if (v !== 0 && v !== 1) binary = false
    }
  }
  const kind = text ? 'text' : date ? 'date' : numbers === 0 ? 'empty' : binary ? 'binary' : integers ? 'integer' : 'number'
  return { kind, examples: examples.map((e) => escapeText(clip(e, 40))) }
}

/** The import's label-like check (label-like.ts) on the sample's rows. */
function sampleLabelLike(sample: Sample, plan: ColumnPlan): ImportPreview['labelLike'] {
  if (plan.label < 0 || sample.body.length === 0) return []
  const n = sample.body.length
  const labels = new Uint8Array(n)
  for (let r = 0; r < n; r++) labels[r] = Math.max(0, parseLabelCell(sample.body[r][plan.label] ?? ''))
  const values = plan.features.map((c) => {
    const v = new Float32Array(n)
    for (let r = 0; r < n; r++) v[r] = parseNumberCell(sample.body[r][c] ?? '', sample.delimiter === ';') ?? NaN
    return v
  })
  const columns = plan.features.map((c) => plan.names[c])
  return labelLikeColumns({ name: 'preview', columns, values, labels, timestamps: new Float64Array(n) }).map((l) => ({ ...l, message: escapeText(clip(l.message, 2000)) }))
}

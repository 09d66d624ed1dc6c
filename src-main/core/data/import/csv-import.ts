/**
 * One CSV/TSV file → a FileTable. The file is streamed (fs read stream → csv-parse) and each
 * record is written straight into growing typed arrays, so neither the text nor row objects of a
 * 100 MB file are ever held in memory: only csv-parse's array of field strings per record.
 *
 * Line numbers for error messages are not tracked per record (csv-parse's `info` option costs an
 * object per record); when something is wrong the file is parsed a second time up to the bad
 * record to find its line. Errors are rare, throughput is not.
 */
import { createReadStream } from 'node:fs'
import { open, stat } from 'node:fs/promises'
import { extname } from 'node:path'
import { pipeline } from 'node:stream/promises'
import { CsvError, Parser } from 'csv-parse'
import { ImportError } from './import-error'
import {
  detectDelimiter,
  detectHeader,
  grow,
  internType,
  isNoType,
  LABEL_HELP,
  parseIsoMs,
  parseLabelCell,
  parseNumberCell,
  parseTimestampCell,
  planColumns,
  sampleRecords,
  TARGET_PREFIX,
  type FileTable,
  type ImportOptions
} from './detect'

const SAMPLE_BYTES = 256 * 1024
const SAMPLE_RECORDS = 200
/** How often (rows) progress is reported and `shouldStop` asked. */
export const PROGRESS_EVERY = 50_000

export interface ReadHooks {
  /** Bytes of this file read so far, rows of this file parsed so far. */
  onProgress?: (bytesRead: number, rows: number) => void
  shouldStop?: () => boolean
}

interface Failure {
  /** csv-parse record index (0-based, the header record counts). */
  record: number
  column?: string
  reason: string
  cancelled?: boolean
}

function parserOptions(delimiter: string, info = false) {
  // relax_column_count: ragged rows are reported by us, with both field counts.
  return { delimiter, bom: true, skip_empty_lines: true, relax_quotes: true, relax_column_count: true, info }
}

export async function readCsvFile(file: string, opts: ImportOptions, hooks: ReadHooks = {}): Promise<FileTable> {
  const size = (await stat(file)).size
  if (size === 0) throw new ImportError(file, 'empty file')

  // Sniff the first lines: delimiter, header, which columns hold dates.
  const sample = await readSample(file, size)
  if (sample.trim().length === 0) throw new ImportError(file, 'empty file (blank lines only)')
  const ext = extname(file).toLowerCase()
  const delimiter = detectDelimiter(sample, ext === '.tsv' ? '\t' : undefined)
  const records = sampleRecords(sample, delimiter, SAMPLE_RECORDS) ?? []
  const hasHeader = detectHeader(records)
  const width = records[0]?.length ?? 1
  const names = hasHeader
    ? records[0].map((n, i) => n.trim() || `col_${i + 1}`)
    : Array.from({ length: width }, (_, i) => `col_${i + 1}`)
  const body = hasHeader ? records.slice(1) : records
  const looksLikeTime = (i: number): boolean => {
    let dates = 0
    for (const r of body) {
      const c = r[i]
      if (c === undefined || c.trim() === '') continue
      if (Number.isNaN(parseIsoMs(c))) return false
      dates++
    }
    return dates > 0
  }
  const plan = planColumns(file, names, opts, looksLikeTime, hasHeader ? 1 : undefined)
  const headerOffset = hasHeader ? 1 : 0

  // Column roles as plain locals: the record loop below runs millions of times.
  const m = names.length
  const tIdx = plan.timestamp
  const lIdx = plan.label
  const yIdx = plan.type
  const eIdx = plan.entity
  const fIdx = Int32Array.from(plan.features)
  const nf = fIdx.length
  const targetIdx = plan.targets
  const decimalComma = delimiter === ';'

  let cap = 1024
  let timestamps = new Float64Array(cap)
  let values = plan.features.map(() => new Float32Array(cap))
  let labels = new Uint8Array(cap)
  let types = new Uint8Array(cap)
  let entities = eIdx >= 0 ? new Uint32Array(cap) : undefined
  let targets = targetIdx.map(() => new Uint8Array(cap))
  const missing = new Float64Array(nf)
  const typeNames: string[] = []
  const typeIndex = new Map<string, number>()
  const entityIds: string[] = []
  const entityIndex = new Map<string, number>()

  let rows = 0
  let record = 0 // csv-parse record index, header included
  let failure: Failure | undefined
  const readStream = createReadStream(file, { highWaterMark: 1 << 20 })
  const parser = new Parser(parserOptions(delimiter))

  const stop = (f: Failure): void => {
    failure = f
    parser.destroy(new Error('import stopped'))
  }

  const onRecord = (rec: string[]): void => {
    if (failure) return
    const r = record++
    if (r < headerOffset) return
    if (rec.length !== m) {
      return stop({ record: r, reason: `${rec.length} field${rec.length === 1 ? '' : 's'}, but the ${hasHeader ? 'header has' : 'first row has'} ${m}` })
    }
    const n = rows
    if (n === cap) {
      cap *= 2
      timestamps = grow(timestamps, cap)
      values = values.map((v) => grow(v, cap))
      labels = grow(labels, cap)
      types = grow(types, cap)
      if (entities) entities = grow(entities, cap)
      targets = targets.map((t) => grow(t, cap))
    }
    if (tIdx >= 0) {
      const t = parseTimestampCell(rec[tIdx])
      if (t !== t) return stop({ record: r, column: names[tIdx], reason: `'${rec[tIdx]}' is not a timestamp (ISO 8601 or epoch seconds/milliseconds)` })
      timestamps[n] = t
    } else {
      timestamps[n] = n
    }
    for (let f = 0; f < nf; f++) {
      const s = rec[fIdx[f]]
      let v = Number(s)
      // Slow path only for NaN and for 0 (Number('') is 0: a blank cell must become missing).
      if (v !== v || v === 0) {
        const p = parseNumberCell(s, decimalComma)
        if (p === undefined) return stop({ record: r, column: names[fIdx[f]], reason: `'${s}' is not a number` })
        v = p
        if (v !== v) missing[f]++
      }
      values[f][n] = v
    }
    if (lIdx >= 0) {
      const l = parseLabelCell(rec[lIdx])
      if (l < 0) return stop({ record: r, column: names[lIdx], reason: `'${rec[lIdx]}' is not a label (${LABEL_HELP})` })
      labels[n] = l
    }
    if (yIdx >= 0) {
      const s = rec[yIdx]
      if (s.length > 0 && !isNoType(s)) {
        const code = internType(s.trim(), typeNames, typeIndex)
        if (code > 255) return stop({ record: r, column: names[yIdx], reason: 'more than 255 distinct anomaly types' })
        types[n] = code
      }
    }
    if (entities) {
      const s = rec[eIdx]
      let code = entityIndex.get(s)
      if (code === undefined) {
        code = entityIds.length
        entityIds.push(s)
        entityIndex.set(s, code)
      }
      entities[n] = code
    }
    for (let k = 0; k < targetIdx.length; k++) {
      const l = parseLabelCell(rec[targetIdx[k]])
      if (l < 0) return stop({ record: r, column: names[targetIdx[k]], reason: `'${rec[targetIdx[k]]}' is not a 0/1 target (${LABEL_HELP})` })
      targets[k][n] = l
    }
    rows = n + 1
    if (rows % PROGRESS_EVERY === 0) {
      hooks.onProgress?.(readStream.bytesRead, rows)
      if (hooks.shouldStop?.()) stop({ record: r, reason: 'import cancelled', cancelled: true })
    }
  }

  parser.on('data', onRecord)
  try {
    await pipeline(readStream, parser)
  } catch (err) {
    if (!failure) throw csvError(file, err, names)
  }
  if (failure) {
    if (failure.cancelled) throw new ImportError(file, failure.reason, {}, true)
    const [line] = await locateRecords(file, delimiter, [failure.record])
    throw new ImportError(file, failure.reason, { line, column: failure.column })
  }
  if (rows === 0) throw new ImportError(file, hasHeader ? 'header only, no data rows' : 'empty file')
  hooks.onProgress?.(size, rows)

  const missingByName: Record<string, number> = {}
  plan.features.forEach((i, f) => (missingByName[names[i]] = missing[f]))
  return {
    file,
    rows,
    plan,
    timestamps: timestamps.slice(0, rows),
    values: values.map((v) => v.slice(0, rows)),
    labels: labels.slice(0, rows),
    types: types.slice(0, rows),
    typeNames,
    entities: entities?.slice(0, rows),
    entityIds,
    targets: Object.fromEntries(targetIdx.map((i, k) => [names[i].slice(TARGET_PREFIX.length), targets[k].slice(0, rows)])),
    missing: missingByName,
    locate: async (dataRows) => (await locateRecords(file, delimiter, dataRows.map((x) => x + headerOffset))).map((line) => ({ line }))
  }
}

/** The first SAMPLE_BYTES of the file as text, cut after the last complete line. */
async function readSample(file: string, size: number): Promise<string> {
  const fh = await open(file, 'r')
  try {
    const buf = Buffer.alloc(Math.min(size, SAMPLE_BYTES))
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0)
    let text = buf.subarray(0, bytesRead).toString('utf8')
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(1)
    if (bytesRead < size) {
      const cut = text.lastIndexOf('\n')
      if (cut > 0) text = text.slice(0, cut + 1)
    }
    return text
  } finally {
    await fh.close()
  }
}

/** 1-based lines of the given csv-parse record indices (a second, info-tracking parse). */
async function locateRecords(file: string, delimiter: string, wanted: number[]): Promise<number[]> {
  const lines = new Array<number>(wanted.length).fill(0)
  const last = Math.max(...wanted)
  const parser = new Parser(parserOptions(delimiter, true))
  let r = 0
  parser.on('data', (x: { info: { lines: number } }) => {
    for (let k = 0; k < wanted.length; k++) if (wanted[k] === r) lines[k] = x.info.lines
    if (r++ >= last) parser.destroy()
  })
  try {
    await pipeline(createReadStream(file), parser)
  } catch {
    // destroyed on purpose once the last wanted record was seen
  }
  return lines
}

function csvError(file: string, err: unknown, names: string[]): ImportError {
  if (err instanceof CsvError) {
    const e = err as CsvError & { lines?: number; column?: number | string | null }
    const column = typeof e.column === 'number' ? names[e.column] : (e.column ?? undefined)
    return new ImportError(file, `malformed CSV: ${e.message}`, { line: e.lines, column })
  }
  const e = err as NodeJS.ErrnoException
  return new ImportError(file, `cannot read: ${e.message ?? String(err)}`)
}

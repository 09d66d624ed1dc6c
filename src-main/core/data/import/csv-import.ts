/**
 * One CSV/TSV file → a FileTable. The file is streamed (fs read stream → csv-parse) and each
 * record is written straight into growing typed arrays, so neither the text nor row objects of a
 * 100 MB file are ever held in memory: only csv-parse's array of field strings per record.
 *
 * Line numbers for error messages are not tracked per record (csv-parse's `info` option costs an
 * object per record); when something is wrong the file is parsed a second time up to the bad
 * record to find its line. Errors are rare, throughput is not.
 *
 * A record may be at most MAX_RECORD_BYTES long: a file without line breaks (or a 10 MB line)
 * is refused with its line and length instead of being split into millions of fields in memory.
 * A NUL byte in the first bytes means binary (or UTF-16) content, refused before parsing.
 */
import { createReadStream } from 'node:fs'
import { open, stat } from 'node:fs/promises'
import { extname } from 'node:path'
import { pipeline } from 'node:stream/promises'
import { CsvError, Parser } from 'csv-parse'
import { ImportError } from './import-error'
import { CancelledError } from '../../cancelled'
import { showCell } from './cell-text'
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
  unstorableNumber,
  F32_MAX,
  type FileTable,
  type ReadOptions
} from './detect'

const SAMPLE_BYTES = 256 * 1024
const SAMPLE_RECORDS = 200
/**
 * Longest CSV record (bytes). Wide real files stay far below it (10,000 columns of 20 characters
 * are 200 KB); a longer "line" is a file without line breaks or not a CSV at all.
 */
export const MAX_RECORD_BYTES = 1 << 20
/**
 * The most rows the arrays are sized for up front: a sample of short lines followed by long ones
 * must not reserve gigabytes. Files with more rows grow past it by doubling.
 */
const MAX_ESTIMATED_ROWS = 1 << 24
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
  /** Stopped by `shouldStop`, not by bad data. */
  cancelled?: boolean
}

function parserOptions(delimiter: string, info = false) {
  // relax_column_count: ragged rows are reported by us, with both field counts.
  return { delimiter, bom: true, skip_empty_lines: true, relax_quotes: true, relax_column_count: true, info, max_record_size: MAX_RECORD_BYTES }
}

/** What the first lines of a CSV file say: its delimiter, header, column names and first records. */
export interface CsvSniff {
  size: number
  delimiter: string
  hasHeader: boolean
  names: string[]
  /** The sampled records after the header. */
  body: string[][]
  /** Average bytes per line of the sample, to size a full read's arrays. */
  bytesPerLine: number
  /** Whether every sampled cell of column i is an ISO date (for the timestamp guess). */
  looksLikeTime(i: number): boolean
}

/** Sniffs a CSV file from its first `maxBytes` (at most `maxRecords` records). */
export async function sniffCsv(file: string, maxBytes = SAMPLE_BYTES, maxRecords = SAMPLE_RECORDS): Promise<CsvSniff> {
  const size = (await stat(file)).size
  if (size === 0) throw new ImportError(file, 'empty file')
  const sample = await readSample(file, size, maxBytes)
  if (sample.trim().length === 0) throw new ImportError(file, 'empty file (blank lines only)')
  const ext = extname(file).toLowerCase()
  const delimiter = detectDelimiter(sample, ext === '.tsv' ? '\t' : undefined)
  const records = sampleRecords(sample, delimiter, maxRecords) ?? []
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
  return { size, delimiter, hasHeader, names, body, bytesPerLine: bytesPerLine(sample), looksLikeTime }
}

export async function readCsvFile(file: string, opts: ReadOptions, hooks: ReadHooks = {}): Promise<FileTable> {
  // Sniff the first lines: delimiter, header, which columns hold dates.
  const sniff = await sniffCsv(file)
  const { size, delimiter, hasHeader, names, looksLikeTime } = sniff
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

  // Sized from the sample's bytes per line: a big file is then read without regrowing its arrays
  // (each regrowth holds old and new arrays at once). Rows beyond the estimate still grow them.
  let cap = Math.min(MAX_ESTIMATED_ROWS, Math.max(1024, Math.ceil((1.1 * size) / sniff.bytesPerLine)))
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
      if (t !== t) return stop({ record: r, column: names[tIdx], reason: `${showCell(rec[tIdx])} is not a timestamp (ISO 8601 or epoch seconds/milliseconds)` })
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
        if (p === undefined) return stop({ record: r, column: names[fIdx[f]], reason: `${showCell(s)} is not a number` })
        v = p
        if (v !== v) missing[f]++
      }
      // Infinity, 1e309 (Infinity as a double) and 1e39 (Infinity as a float) all land here.
      if (v > F32_MAX || v < -F32_MAX) {
        const why = unstorableNumber(v, s)
        if (why) return stop({ record: r, column: names[fIdx[f]], reason: why })
      }
      values[f][n] = v
    }
    if (lIdx >= 0) {
      const l = parseLabelCell(rec[lIdx])
      if (l < 0) return stop({ record: r, column: names[lIdx], reason: `${showCell(rec[lIdx])} is not a label (${LABEL_HELP})` })
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
      if (l < 0) return stop({ record: r, column: names[targetIdx[k]], reason: `${showCell(rec[targetIdx[k]])} is not a 0/1 target (${LABEL_HELP})` })
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
    if (!failure) throw await csvError(file, err, names)
  }
  if (failure) {
    if (failure.cancelled) throw new CancelledError(`${failure.reason} while reading ${file}`)
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
    // Views, not copies: a copy of every column at once would double the peak of a big import.
    // Whoever sends an array to another process sends an exact copy of it then, one at a time.
    timestamps: timestamps.subarray(0, rows),
    values: values.map((v) => v.subarray(0, rows)),
    labels: labels.subarray(0, rows),
    types: types.subarray(0, rows),
    typeNames,
    entities: entities?.subarray(0, rows),
    entityIds,
    targets: Object.fromEntries(plan.targetNames.map((name, k) => [name, targets[k].subarray(0, rows)])),
    missing: missingByName,
    locate: async (dataRows) => (await locateRecords(file, delimiter, dataRows.map((x) => x + headerOffset))).map((line) => ({ line }))
  }
}

/**
 * The first SAMPLE_BYTES of the file as text, cut after the last complete line (the whole first
 * line when it is longer). Refuses binary content (a NUL byte) and an over-long first line.
 */
export async function readSample(file: string, size: number, maxBytes = SAMPLE_BYTES): Promise<string> {
  const fh = await open(file, 'r')
  try {
    const read = async (n: number): Promise<Buffer> => {
      const buf = Buffer.alloc(Math.min(size, n))
      const { bytesRead } = await fh.read(buf, 0, buf.length, 0)
      return buf.subarray(0, bytesRead)
    }
    let bytes = await read(maxBytes)
    const nul = bytes.indexOf(0)
    if (nul >= 0) throw new ImportError(file, `not a text file: a NUL byte at byte ${nul} (binary data, or UTF-16 text: save it as UTF-8)`)
    if (bytes.length < size && bytes.lastIndexOf(10) < 0) {
      const length = await lineLength(file, 1)
      if (length > MAX_RECORD_BYTES) throw tooLong(file, 1, length)
      bytes = await read(length + 1)
    }
    let text = bytes.toString('utf8')
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(1)
    if (bytes.length < size) {
      const cut = text.lastIndexOf('\n')
      if (cut > 0) text = text.slice(0, cut + 1)
    }
    return text
  } finally {
    await fh.close()
  }
}

/** Average bytes per line of the sample (its last line is complete: readSample cuts there). */
function bytesPerLine(sample: string): number {
  let lines = 0
  for (let i = sample.indexOf('\n'); i >= 0; i = sample.indexOf('\n', i + 1)) lines++
  return Math.max(1, Buffer.byteLength(sample) / Math.max(1, lines))
}

function tooLong(file: string, line: number, length: number): ImportError {
  const limit = `${MAX_RECORD_BYTES / (1 << 20)} MiB`
  return length > MAX_RECORD_BYTES
    ? new ImportError(file, `the line is ${length.toLocaleString('en-US')} bytes long, over the ${limit} limit for one record: a file without line breaks, or not a CSV file`, { line })
    : new ImportError(file, `a record ending on this line is over the ${limit} limit for one record (an unclosed quote?)`, { line })
}

/** Length in bytes of a 1-based line, for the message about it: the file is streamed, never held. */
async function lineLength(file: string, line: number): Promise<number> {
  let current = 1
  let length = 0
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    let pos = 0
    while (pos < chunk.length) {
      const nl = chunk.indexOf(10, pos)
      const end = nl < 0 ? chunk.length : nl
      if (current === line) length += end - pos
      if (nl < 0) break
      if (current === line) return length
      current++
      pos = nl + 1
    }
  }
  return length
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

async function csvError(file: string, err: unknown, names: string[]): Promise<ImportError> {
  if (err instanceof CsvError) {
    const e = err as CsvError & { lines?: number; column?: number | string | null }
    if (e.code === 'CSV_MAX_RECORD_SIZE' && e.lines) return tooLong(file, e.lines, await lineLength(file, e.lines))
    const column = typeof e.column === 'number' ? names[e.column] : (e.column ?? undefined)
    return new ImportError(file, `malformed CSV: ${e.message}`, { line: e.lines, column })
  }
  const e = err as NodeJS.ErrnoException
  return new ImportError(file, `cannot read: ${e.message ?? String(err)}`)
}

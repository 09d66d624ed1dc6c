/**
 * One Parquet file → a FileTable, with the same column rules as CSV (detect.ts). Read column-wise
 * with hyparquet, one row group at a time (progress and cancellation between row groups), each
 * decoded column chunk copied straight into the typed arrays: no row objects.
 *
 * Timestamps may be TIMESTAMP (millis/micros/nanos) or DATE logical types (exact ms, no guessing),
 * plain integers/floats (epoch seconds or ms by magnitude, as in CSV) or ISO strings. Errors name
 * the file, the 1-based data row and the column.
 */
import { asyncBufferFromFile, parquetMetadataAsync, parquetRead, parquetReadObjects, parquetSchema } from 'hyparquet'
import type { AsyncBuffer, ColumnData, FileMetaData, SchemaElement } from 'hyparquet'
import { ImportError } from './import-error'
import { CancelledError } from '../../cancelled'
import { showCell } from './cell-text'
import {
  epochToMs,
  internType,
  isNoType,
  LABEL_HELP,
  parseIsoMs,
  parseLabelCell,
  parseNumberCell,
  parseTimestampCell,
  planColumns,
  unstorableNumber,
  F32_MAX,
  type FileTable,
  type ReadOptions
} from './detect'
import type { ReadHooks } from './csv-import'

/** Decode time types to epoch-ms numbers instead of Date objects (one allocation less per cell). */
const PARSERS = {
  timestampFromMilliseconds: (v: bigint) => Number(v),
  timestampFromMicroseconds: (v: bigint) => Number(v / 1000n),
  timestampFromNanoseconds: (v: bigint) => Number(v / 1_000_000n),
  dateFromDays: (days: number) => days * 86_400_000
}

function isTemporal(el: SchemaElement): boolean {
  const lt = el.logical_type?.type
  const ct = el.converted_type
  return lt === 'TIMESTAMP' || lt === 'DATE' || ct === 'TIMESTAMP_MILLIS' || ct === 'TIMESTAMP_MICROS' || ct === 'DATE' || el.type === 'INT96'
}

interface Failure {
  row: number
  column: string
  reason: string
}

export async function readParquetFile(file: string, opts: ReadOptions, hooks: ReadHooks = {}): Promise<FileTable> {
  let buffer: AsyncBuffer
  let metadata: FileMetaData
  try {
    buffer = await asyncBufferFromFile(file)
    if (buffer.byteLength === 0) throw new ImportError(file, 'empty file')
    metadata = await parquetMetadataAsync(buffer)
  } catch (err) {
    if (err instanceof ImportError) throw err
    throw new ImportError(file, `not a readable Parquet file (${(err as Error).message})`)
  }
  const top = parquetSchema(metadata).children
  const names = top.map((c) => c.element.name)
  const nested = top.find((c) => c.children.length > 0)
  if (nested) throw new ImportError(file, 'nested columns (lists, structs, maps) are not supported', { column: nested.element.name })
  const total = Number(metadata.num_rows)
  if (total === 0) throw new ImportError(file, 'no data rows')

  // Content-based timestamp detection needs a peek at string columns (the first 50 rows).
  const stringCols = top.filter((c) => c.element.type === 'BYTE_ARRAY').map((c) => c.element.name)
  const isoCols = new Set<string>()
  if (stringCols.length > 0) {
    const peek = await readOrFail(file, () => parquetReadObjects({ file: buffer, metadata, columns: stringCols, rowEnd: Math.min(total, 50) }))
    for (const name of stringCols) {
      const cells = peek.map((r) => r[name]).filter((v) => typeof v === 'string' && v.trim() !== '')
      if (cells.length > 0 && cells.every((v) => !Number.isNaN(parseIsoMs(v as string)))) isoCols.add(name)
    }
  }
  const plan = planColumns(file, names, opts, (i) => isTemporal(top[i].element) || isoCols.has(names[i]))
  const temporalTs = plan.timestamp >= 0 && isTemporal(top[plan.timestamp].element)

  const timestamps = new Float64Array(total)
  const values = plan.features.map(() => new Float32Array(total))
  const labels = new Uint8Array(total)
  const types = new Uint8Array(total)
  const entities = plan.entity >= 0 ? new Uint32Array(total) : undefined
  const targets = plan.targets.map(() => new Uint8Array(total))
  const missing = new Float64Array(plan.features.length)
  const typeNames: string[] = []
  const typeIndex = new Map<string, number>()
  const entityIds: string[] = []
  const entityIndex = new Map<string, number>()
  if (plan.timestamp < 0) for (let i = 0; i < total; i++) timestamps[i] = i

  let failure: Failure | undefined
  const fail = (row: number, column: string, reason: string): void => {
    if (!failure || row < failure.row) failure = { row, column, reason }
  }
  const featureOf = new Map(plan.features.map((i, f) => [names[i], f]))
  const targetOf = new Map(plan.targets.map((i, k) => [names[i], k]))

  // hyparquet calls onChunk from promise callbacks, where a throw would be lost: record instead.
  const onChunk = ({ columnName: col, columnData: data, rowStart }: ColumnData): void => {
    const n = Math.min(data.length, total - rowStart)
    if (col === names[plan.timestamp]) {
      for (let i = 0; i < n; i++) {
        const v: unknown = data[i]
        let t = NaN
        if (typeof v === 'number') t = temporalTs ? v : epochToMs(v)
        else if (typeof v === 'bigint') t = temporalTs ? Number(v) : epochToMs(Number(v))
        else if (typeof v === 'string') t = parseTimestampCell(v)
        if (!Number.isFinite(t)) return fail(rowStart + i + 1, col, `${show(v)} is not a timestamp`)
        timestamps[rowStart + i] = t
      }
    } else if (featureOf.has(col)) {
      const f = featureOf.get(col)!
      const dest = values[f]
      if (data instanceof Int32Array || data instanceof Uint32Array) {
        dest.set(data.subarray(0, n), rowStart)
        return
      }
      if (data instanceof Float32Array || data instanceof Float64Array) {
        // Float columns may hold NaN (missing, as pandas writes it) and ±Infinity (refused).
        for (let i = 0; i < n; i++) {
          const x = data[i]
          if (x !== x) missing[f]++
          else if (x > F32_MAX || x < -F32_MAX) {
            const why = unstorableNumber(x, String(x))
            if (why) return fail(rowStart + i + 1, col, why)
          }
          dest[rowStart + i] = x
        }
        return
      }
      for (let i = 0; i < n; i++) {
        const v: unknown = data[i]
        let x: number | undefined
        if (typeof v === 'number') x = v
        else if (typeof v === 'bigint') x = Number(v)
        else if (typeof v === 'boolean') x = v ? 1 : 0
        else if (v === null || v === undefined) x = NaN
        else if (typeof v === 'string') x = parseNumberCell(v, false)
        if (x === undefined) return fail(rowStart + i + 1, col, `${show(v)} is not a number`)
        if (x !== x) missing[f]++
        else if (x > F32_MAX || x < -F32_MAX) {
          const why = unstorableNumber(x, String(v))
          if (why) return fail(rowStart + i + 1, col, why)
        }
        dest[rowStart + i] = x
      }
    } else if (col === names[plan.label] || targetOf.has(col)) {
      const dest = col === names[plan.label] ? labels : targets[targetOf.get(col)!]
      for (let i = 0; i < n; i++) {
        const l = labelOf(data[i])
        if (l < 0) return fail(rowStart + i + 1, col, `${show(data[i])} is not a label (${LABEL_HELP})`)
        dest[rowStart + i] = l
      }
    } else if (col === names[plan.type]) {
      for (let i = 0; i < n; i++) {
        const v: unknown = data[i]
        if (v === null || v === undefined) continue
        const s = String(v)
        if (isNoType(s)) continue
        const code = internType(s.trim(), typeNames, typeIndex)
        if (code > 255) return fail(rowStart + i + 1, col, 'more than 255 distinct anomaly types')
        types[rowStart + i] = code
      }
    } else if (entities && col === names[plan.entity]) {
      for (let i = 0; i < n; i++) {
        const s = String(data[i])
        let code = entityIndex.get(s)
        if (code === undefined) {
          code = entityIds.length
          entityIds.push(s)
          entityIndex.set(s, code)
        }
        entities[rowStart + i] = code
      }
    }
  }

  // Row groups in order: entity codes are then numbered by first appearance, as in CSV.
  // Ignored columns are never decoded (a text column may be huge, and is none of our business).
  const columns = names.filter((_, i) => !plan.ignored.includes(i))
  let rowStart = 0
  for (const group of metadata.row_groups) {
    const rowEnd = rowStart + Number(group.num_rows)
    await readOrFail(file, () => parquetRead({ file: buffer, metadata, columns, rowStart, rowEnd, parsers: PARSERS, onChunk }))
    if (failure) throw new ImportError(file, failure.reason, { row: failure.row, column: failure.column })
    rowStart = rowEnd
    hooks.onProgress?.(Math.round((buffer.byteLength * rowStart) / total), rowStart)
    if (hooks.shouldStop?.() && rowStart < total) throw new CancelledError(`import cancelled while reading ${file}`)
  }

  const missingByName: Record<string, number> = {}
  plan.features.forEach((i, f) => (missingByName[names[i]] = missing[f]))
  return {
    file,
    rows: total,
    plan,
    timestamps,
    values,
    labels,
    types,
    typeNames,
    entities,
    entityIds,
    targets: Object.fromEntries(plan.targetNames.map((name, k) => [name, targets[k]])),
    missing: missingByName,
    locate: async (rows) => rows.map((r) => ({ row: r + 1 }))
  }
}

function labelOf(v: unknown): number {
  if (typeof v === 'boolean') return v ? 1 : 0
  if (typeof v === 'number') return v === 0 || v === 1 ? v : -1
  if (typeof v === 'bigint') return v === 0n ? 0 : v === 1n ? 1 : -1
  if (typeof v === 'string') return parseLabelCell(v)
  return -1
}

function show(v: unknown): string {
  if (v === null || v === undefined) return 'a missing value'
  return typeof v === 'string' ? showCell(v) : String(v)
}

async function readOrFail<T>(file: string, read: () => Promise<T>): Promise<T> {
  try {
    return await read()
  } catch (err) {
    throw new ImportError(file, `not a readable Parquet file (${(err as Error).message})`)
  }
}

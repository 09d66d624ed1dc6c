/**
 * A small table (named columns of equal length) written as CSV or Parquet, atomically: what
 * per-row predictions and the runs list export to. Numbers print as the shortest decimal that
 * reads back as the same value; NaN is an empty cell (CSV) or null (Parquet).
 */
import { rename, unlink } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { parquetWriteFile } from 'hyparquet-writer'
import { csvField, float32ToString, writeTextAtomically } from './csv-export'

export type TableColumn =
  | { name: string; values: Int32Array | Uint8Array }
  | { name: string; values: Float32Array | Float64Array }
  | { name: string; values: string[] }

export interface Table {
  columns: TableColumn[]
}

const FLUSH_AT = 1 << 20

function cell(values: TableColumn['values'], i: number): string {
  const v = values[i]
  if (typeof v === 'string') return csvField(v)
  if (values instanceof Float32Array) return float32ToString(v)
  if (values instanceof Float64Array) return Number.isNaN(v) ? '' : String(v)
  return String(v)
}

function rowsOf(table: Table): number {
  const n = table.columns[0]?.values.length ?? 0
  for (const c of table.columns) if (c.values.length !== n) throw new Error(`column '${c.name}' has ${c.values.length} values, the others ${n}`)
  return n
}

export async function writeCsvTable(file: string, table: Table): Promise<number> {
  const n = rowsOf(table)
  return writeTextAtomically(file, async (emit) => {
    let buf = table.columns.map((c) => csvField(c.name)).join(',') + '\n'
    for (let i = 0; i < n; i++) {
      buf += table.columns.map((c) => cell(c.values, i)).join(',') + '\n'
      if (buf.length >= FLUSH_AT) {
        await emit(buf)
        buf = ''
      }
    }
    await emit(buf)
  })
}

/** Parquet through hyparquet-writer (the reader the imports use is its sibling, hyparquet). */
export async function writeParquetTable(file: string, table: Table): Promise<void> {
  rowsOf(table)
  const tmp = join(dirname(file), `.${basename(file)}.${process.pid}.${Date.now()}.tmp`)
  try {
    parquetWriteFile({
      filename: tmp,
      columnData: table.columns.map((c) => {
        const v = c.values
        if (Array.isArray(v)) return { name: c.name, data: v, type: 'STRING' as const }
        if (v instanceof Float32Array) return { name: c.name, data: Array.from(v, (x) => (Number.isNaN(x) ? null : x)), type: 'FLOAT' as const }
        if (v instanceof Float64Array) return { name: c.name, data: Array.from(v, (x) => (Number.isNaN(x) ? null : x)), type: 'DOUBLE' as const }
        return { name: c.name, data: Array.from(v), type: 'INT32' as const }
      })
    })
    await rename(tmp, file)
  } catch (err) {
    await unlink(tmp).catch(() => {})
    throw err
  }
}

/**
 * LabelledSeries → CSV that `importFiles` reads back to the same series:
 *
 *   [entity,]timestamp,<features...>,label,anomaly_type[,target:<name>...]
 *
 * - `entity` (the segment id) comes first when the series has segments.
 * - Timestamps are ISO 8601 in UTC with milliseconds (`2024-01-01T00:05:00.000Z`).
 * - Numbers have 7-9 significant digits, as few as read back as the same Float32 (trailing zeros
 *   dropped: 105.2, not 105.19999694824219); NaN is an empty cell.
 * - anomaly_type is the type name for points that have one, empty otherwise.
 * - Targets (series.targets) are `target:<name>` columns of 0/1.
 *
 * The file is streamed in ~1 MB pieces to a temporary sibling, synced, then renamed over the
 * destination: a reader never sees half a file, and a failed export leaves nothing behind.
 * Limits: anomaly types with no point and fractional-millisecond timestamps do not survive.
 */
import { open, rename, unlink } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { segmentsOf, type LabelledSeries } from './series'

const FLUSH_AT = 1 << 20

/**
 * A short decimal string that parses back to the same Float32 value: 7 significant digits when
 * they suffice (they do for most values, and give 105.2 for the Float32 nearest 105.2), else 8,
 * else 9 (9 always identify a Float32). toPrecision + trimming zeros is ~2x faster than formatting
 * with Number/String round trips, and export time is dominated by this call.
 */
export function float32ToString(v: number): string {
  if (v !== v) return ''
  if (Number.isInteger(v)) return Object.is(v, -0) ? '-0' : String(v)
  let s = v.toPrecision(7)
  if (Math.fround(+s) !== v) {
    s = v.toPrecision(8)
    if (Math.fround(+s) !== v) s = v.toPrecision(9)
  }
  if (s.indexOf('e') >= 0) return String(Number(s)) // 1.000000e-7 -> 1e-7
  if (s.indexOf('.') < 0) return s
  let end = s.length
  while (s.charCodeAt(end - 1) === 48) end-- // trailing zeros of the fraction
  if (s.charCodeAt(end - 1) === 46) end--
  return end < s.length ? s.slice(0, end) : s
}

/** RFC 4180 quoting, only when needed. */
export function csvField(s: string): string {
  return /[",;\t\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
}

export async function exportCsv(series: LabelledSeries, file: string): Promise<{ rows: number; bytes: number }> {
  const hasSegments = !!series.segments && series.segments.length > 0
  const targetNames = Object.keys(series.targets ?? {})
  const header = [
    ...(hasSegments ? ['entity'] : []),
    'timestamp',
    ...series.columns,
    'label',
    'anomaly_type',
    ...targetNames.map((t) => `target:${t}`)
  ]
  const dup = header.find((h, i) => header.indexOf(h) !== i)
  if (dup) throw new Error(`cannot export ${series.name}: column name '${dup}' is used twice (a feature is named like a reserved column)`)

  const bytes = await writeTextAtomically(file, async (emit) => {
    let buf = header.map(csvField).join(',') + '\n'
    const { timestamps, values, labels, anomalyType, anomalyTypeNames } = series
    const typeCells = anomalyTypeNames.map(csvField)
    const targets = targetNames.map((t) => series.targets![t])
    const nc = values.length
    for (const seg of segmentsOf(series)) {
      const entity = hasSegments ? csvField(seg.id) + ',' : ''
      for (let i = seg.start; i < seg.end; i++) {
        let line = entity + new Date(timestamps[i]).toISOString()
        for (let c = 0; c < nc; c++) line += ',' + float32ToString(values[c][i])
        const k = anomalyType[i]
        line += ',' + labels[i] + ',' + (k > 0 ? typeCells[k - 1] : '')
        for (const t of targets) line += ',' + t[i]
        buf += line + '\n'
        if (buf.length >= FLUSH_AT) {
          await emit(buf)
          buf = ''
        }
      }
    }
    await emit(buf)
  })
  return { rows: series.timestamps.length, bytes }
}

/**
 * Streams text to a temporary sibling of `file`, syncs it, then renames it over `file`: a reader
 * never sees half a file, and a failed write leaves nothing behind. Returns the bytes written.
 */
export async function writeTextAtomically(file: string, produce: (emit: (text: string) => Promise<void>) => Promise<void>): Promise<number> {
  const tmp = join(dirname(file), `.${basename(file)}.${process.pid}.${Date.now()}.tmp`)
  const fh = await open(tmp, 'w')
  let bytes = 0
  let ok = false
  try {
    await produce(async (text) => {
      bytes += Buffer.byteLength(text)
      await fh.write(text)
    })
    await fh.sync()
    ok = true
  } finally {
    await fh.close()
    if (!ok) await unlink(tmp).catch(() => {})
  }
  try {
    await rename(tmp, file)
  } catch (err) {
    await unlink(tmp).catch(() => {})
    throw err
  }
  return bytes
}

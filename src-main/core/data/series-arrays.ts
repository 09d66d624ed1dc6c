/**
 * A series as its metadata plus a list of named arrays, in one canonical order: the order the
 * content hash reads them in and the names the store keeps them under. A big import travels
 * this way from the data worker to the host one array at a time, so neither side ever holds
 * a second copy of the whole series.
 */
import { z } from 'zod'
import { segmentSchema, type LabelledSeries } from './series'
import { float32Array, float64Array, uint8Array } from '../typed-array-schemas'

export const arrayDtypeSchema = z.enum(['f64', 'f32', 'u8'])
export type ArrayDtype = z.infer<typeof arrayDtypeSchema>

const arrayOfDtype = { f64: float64Array, f32: float32Array, u8: uint8Array } as const

export const seriesArraySchema = z
  .object({
    /** `timestamps`, `col:<feature>`, `labels`, `types` or `target:<name>`. */
    name: z.string(),
    dtype: arrayDtypeSchema,
    data: z.union([float64Array, float32Array, uint8Array])
  })
  .refine((a) => arrayOfDtype[a.dtype].safeParse(a.data).success, { message: 'the array does not hold its dtype', path: ['data'] })
export type SeriesArray = z.infer<typeof seriesArraySchema>

/** Everything of a series but its arrays. */
export const seriesHeaderSchema = z.object({
  name: z.string(),
  intervalMs: z.number(),
  rows: z.number().int().min(0),
  columns: z.array(z.string()),
  anomalyTypeNames: z.array(z.string()),
  segments: z.array(segmentSchema).optional(),
  /** Names of `targets` (null: the series has no targets object). */
  targetNames: z.array(z.string()).nullable(),
  /** The series came without labels (LabelledSeries.unlabelled). */
  unlabelled: z.literal(true).optional()
})
export type SeriesHeader = z.infer<typeof seriesHeaderSchema>

export function seriesHeader(series: LabelledSeries): SeriesHeader {
  return {
    name: series.name,
    intervalMs: series.intervalMs,
    rows: series.timestamps.length,
    columns: series.columns,
    anomalyTypeNames: series.anomalyTypeNames,
    ...(series.segments ? { segments: series.segments } : {}),
    targetNames: series.targets ? Object.keys(series.targets) : null,
    ...(series.unlabelled ? { unlabelled: true as const } : {})
  }
}

/** Names and dtypes of a series' arrays in canonical order (targets sorted by name). */
export function arrayLayout(header: SeriesHeader): { name: string; dtype: ArrayDtype }[] {
  return [
    { name: 'timestamps', dtype: 'f64' },
    ...header.columns.map((c) => ({ name: `col:${c}`, dtype: 'f32' as const })),
    { name: 'labels', dtype: 'u8' },
    { name: 'types', dtype: 'u8' },
    ...[...(header.targetNames ?? [])].sort().map((t) => ({ name: `target:${t}`, dtype: 'u8' as const }))
  ]
}

/** The arrays of a series in canonical order (views, no copies). */
export function seriesArrays(series: LabelledSeries): SeriesArray[] {
  const byName = (name: string): SeriesArray['data'] => {
    if (name === 'timestamps') return series.timestamps
    if (name === 'labels') return series.labels
    if (name === 'types') return series.anomalyType
    if (name.startsWith('col:')) return series.values[series.columns.indexOf(name.slice(4))]
    return series.targets![name.slice('target:'.length)]
  }
  return arrayLayout(seriesHeader(series)).map((a) => ({ ...a, data: byName(a.name) }))
}

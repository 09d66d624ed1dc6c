/**
 * Content hash of a dataset version: sha256 over column names, timestamps, values, labels and
 * anomaly types. Names and provenance are not content, so the same data generated twice (or
 * imported from a copy) is the same version.
 */
import { createHash } from 'node:crypto'
import type { LabelledSeries } from './series'

function bytes(a: ArrayBufferView): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength)
}

export function contentHash(series: LabelledSeries): string {
  const h = createHash('sha256')
  h.update(
    JSON.stringify({
      columns: series.columns,
      types: series.anomalyTypeNames,
      rows: series.timestamps.length,
      segments: series.segments ?? null,
      targets: series.targets ? Object.keys(series.targets).sort() : null
    })
  )
  h.update(bytes(series.timestamps))
  for (const column of series.values) h.update(bytes(column))
  h.update(bytes(series.labels))
  h.update(bytes(series.anomalyType))
  if (series.targets) for (const k of Object.keys(series.targets).sort()) h.update(bytes(series.targets[k]))
  return h.digest('hex')
}

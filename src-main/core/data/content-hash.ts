/**
 * Content hash of a dataset version: sha256 over column names, timestamps, values, labels,
 * anomaly types and whether the data has labels at all. Names and provenance are not content,
 * so the same data generated twice (or imported from a copy) is the same version.
 *
 * ContentHasher takes the arrays one at a time, in the canonical order of series-arrays.ts, so a
 * version streamed array by array from a worker hashes exactly as the whole series would.
 */
import { createHash, type Hash } from 'node:crypto'
import type { LabelledSeries } from './series'
import { seriesArrays, seriesHeader, type SeriesHeader } from './series-arrays'

function bytes(a: ArrayBufferView): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength)
}

export class ContentHasher {
  private readonly h: Hash = createHash('sha256')

  constructor(header: SeriesHeader) {
    this.h.update(
      JSON.stringify({
        columns: header.columns,
        types: header.anomalyTypeNames,
        rows: header.rows,
        segments: header.segments ?? null,
        targets: header.targetNames ? [...header.targetNames].sort() : null,
        // Only when set, so every version stored before the flag keeps its hash. Unlabelled
        // data and data labelled all-normal are different versions.
        ...(header.unlabelled ? { unlabelled: true } : {})
      })
    )
  }

  /** The next array, in canonical order. */
  update(a: ArrayBufferView): void {
    this.h.update(bytes(a))
  }

  digest(): string {
    return this.h.digest('hex')
  }
}

export function contentHash(series: LabelledSeries): string {
  const h = new ContentHasher(seriesHeader(series))
  for (const a of seriesArrays(series)) h.update(a.data)
  return h.digest()
}

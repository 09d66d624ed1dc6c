/**
 * Label edits from the dataset editor: rows [start, end) set anomalous (with a type) or normal.
 * Edits apply in order to copies — a version is immutable; the result becomes its child version.
 */
import type { LabelledSeries } from './series'

export interface LabelEditOp {
  start: number
  end: number
  label: 0 | 1
  type?: string
}

export function applyLabelEdits(series: LabelledSeries, edits: LabelEditOp[]): LabelledSeries {
  const n = series.labels.length
  const labels = Uint8Array.from(series.labels)
  const anomalyType = Uint8Array.from(series.anomalyType)
  const typeNames = [...series.anomalyTypeNames]
  edits.forEach((e, k) => {
    if (!(Number.isInteger(e.start) && Number.isInteger(e.end) && e.start >= 0 && e.end > e.start && e.end <= n)) {
      throw new Error(`edits.${k}: rows [${e.start}, ${e.end}) are not inside the dataset's ${n} rows`)
    }
    let code = 0
    if (e.label === 1) {
      const name = e.type ?? 'labelled'
      let t = typeNames.indexOf(name)
      if (t < 0) {
        if (typeNames.length >= 255) throw new Error(`edits.${k}: too many anomaly types (255 at most)`)
        typeNames.push(name)
        t = typeNames.length - 1
      }
      code = t + 1
    }
    labels.fill(e.label, e.start, e.end)
    anomalyType.fill(code, e.start, e.end)
  })
  return { ...series, labels, anomalyType, anomalyTypeNames: typeNames }
}

export function describeEdits(edits: LabelEditOp[]): string {
  const rows = edits.reduce((a, e) => a + (e.end - e.start), 0)
  const on = edits.filter((e) => e.label === 1).length
  const off = edits.length - on
  const parts = [on ? `labelled ${on} range${on > 1 ? 's' : ''}` : '', off ? `cleared ${off} range${off > 1 ? 's' : ''}` : ''].filter(Boolean)
  return `${parts.join(', ')} (${rows} rows)`
}

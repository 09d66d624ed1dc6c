/**
 * Feature columns that look like a label: a model given one learns the answer instead of the
 * signal (a benchmark's `changepoint` column beside its `anomaly` label, a copy of the label under
 * another name). The import warns about them and says how to keep them out; it never moves a
 * column on its own, because a 0/1 feature can be honest (`is_weekend`).
 *
 * A feature column is label-like when both hold:
 * - it is small-integer valued: every value (missing cells aside) is an integer in [-1000, 1000],
 *   at most MAX_DISTINCT distinct values, at least two;
 * - it goes with the label, in one of two ways. Call `marked` the rows where it differs from its
 *   most common value (at least MIN_MARKED of them):
 *   - the marked rows are anomalous far more often than the others: at least half of them, and at
 *     least LIFT times the rate of the unmarked rows;
 *   - or the marked rows sit on the label's edges: at least EDGE_SHARE of them are within one row
 *     of a change of the label (a changepoint column marks where anomalies start and end).
 * With no labelled row (or every row labelled) there is nothing to compare with: no warning.
 */
import { segmentsOf, type LabelledSeries } from '../series'
import type { LabelLikeColumn } from './options'

const MAX_DISTINCT = 10
const MAX_ABS = 1000
const MIN_MARKED = 2
const LIFT = 2
const EDGE_SHARE = 0.8

export type { LabelLikeColumn } from './options'

type Columns = Pick<LabelledSeries, 'columns' | 'values' | 'labels' | 'segments' | 'timestamps' | 'name'>

/** The label-like feature columns of a series (see above), in column order. */
export function labelLikeColumns(series: Columns): LabelLikeColumn[] {
  const n = series.labels.length
  let positives = 0
  for (let i = 0; i < n; i++) positives += series.labels[i]
  if (positives === 0 || positives === n) return []
  const edge = labelEdges(series)
  const out: LabelLikeColumn[] = []
  series.columns.forEach((column, c) => {
    const found = judge(column, series.values[c], series.labels, edge)
    if (found) out.push(found)
  })
  return out
}

/** 1 where the label changes between a row and its neighbour in the same segment. */
function labelEdges(series: Columns): Uint8Array {
  const edge = new Uint8Array(series.labels.length)
  const y = series.labels
  for (const seg of segmentsOf(series as LabelledSeries)) {
    for (let i = seg.start + 1; i < seg.end; i++) {
      if (y[i] !== y[i - 1]) edge[i] = edge[i - 1] = 1
    }
  }
  return edge
}

function judge(column: string, v: Float32Array, y: Uint8Array, edge: Uint8Array): LabelLikeColumn | null {
  const counts = new Map<number, number>()
  for (let i = 0; i < v.length; i++) {
    const x = v[i]
    if (x !== x) continue
    if (!Number.isInteger(x) || x > MAX_ABS || x < -MAX_ABS) return null
    counts.set(x, (counts.get(x) ?? 0) + 1)
    if (counts.size > MAX_DISTINCT) return null
  }
  if (counts.size < 2) return null
  let common = 0
  let most = -1
  for (const [x, k] of counts) if (k > most || (k === most && x < common)) [common, most] = [x, k]
  let marked = 0
  let markedPos = 0
  let other = 0
  let otherPos = 0
  let onEdge = 0
  for (let i = 0; i < v.length; i++) {
    const x = v[i]
    if (x !== x) continue
    if (x !== common) {
      marked++
      markedPos += y[i]
      onEdge += edge[i]
    } else {
      other++
      otherPos += y[i]
    }
  }
  if (marked < MIN_MARKED) return null
  const anomalousMarked = markedPos / marked
  const anomalousOther = other > 0 ? otherPos / other : 0
  const onEdges = onEdge / marked
  const lifted = anomalousMarked >= 0.5 && anomalousMarked >= LIFT * anomalousOther
  const edges = onEdges >= EDGE_SHARE
  if (!lifted && !edges) return null
  const values = [...counts.keys()].sort((a, b) => a - b)
  const pct = (f: number) => `${Math.round(100 * f)} %`
  const why = lifted
    ? `${pct(anomalousMarked)} of the ${marked.toLocaleString('en-US')} rows where it is not ${common} are anomalous, against ${pct(anomalousOther)} of the others`
    : `${pct(onEdges)} of the ${marked.toLocaleString('en-US')} rows where it is not ${common} are where a labelled anomaly starts or ends`
  const message =
    `column '${column}' looks like a label (values ${values.join(', ')}; ${why}) and goes in as a feature, where a model would learn the answer from it: ` +
    `make it an extra label (--extra-label-column ${shellWord(column)}) or ignore it (--ignore-column ${shellWord(column)})`
  return { column, values, common, marked, anomalousMarked, anomalousOther, onEdges, reason: lifted ? 'anomalous' : 'edges', message }
}

/**
 * A column name as a shell word, quoted when it holds more than letters, digits and `._:-`.
 * @example shellWord('changepoint') // "changepoint"
 * @example shellWord("valve 1's") // "'valve 1'\\''s'"
 */
function shellWord(name: string): string {
  return /^[\w.:-]+$/.test(name) ? name : `'${name.replaceAll("'", "'\\''")}'`
}

/**
 * Splits are part of an experiment, not copies of stored data: a split names row ranges of one
 * dataset version, and the trial cuts them when it runs. Every split respects segments (entities,
 * files): windows and time order never cross a segment boundary.
 */
import type { LabelledSeries, Segment } from './series'
import { segmentsOf, sourceRows } from './series'
import { createRng } from './rng'

export type SplitRule =
  /** Chronological within each segment: the first `trainFraction` of its rows train. */
  | { kind: 'time'; trainFraction: number; validationFraction?: number }
  /** Whole entities (segments), shuffled with `seed`: the first `trainFraction` of them train. */
  | { kind: 'entity'; trainFraction: number; validationFraction?: number; seed?: number }
  /** Named segments (files or entities) test; the others train. */
  | { kind: 'file'; test: string[]; validation?: string[] }
  /** The first `trainRows` rows of each segment train, the rest test. */
  | { kind: 'first-rows'; trainRows: number }

export interface SplitResult {
  train: LabelledSeries
  validation: LabelledSeries | null
  test: LabelledSeries
}

/** A new series made of the given row ranges (copied), each range one segment. */
export function selectRanges(series: LabelledSeries, ranges: Segment[], name: string): LabelledSeries {
  const total = ranges.reduce((a, r) => a + (r.end - r.start), 0)
  const timestamps = new Float64Array(total)
  const values = series.values.map(() => new Float32Array(total))
  const labels = new Uint8Array(total)
  const anomalyType = new Uint8Array(total)
  const targets = series.targets ? Object.fromEntries(Object.keys(series.targets).map((k) => [k, new Uint8Array(total)])) : undefined
  const segments: Segment[] = []
  let at = 0
  for (const r of ranges) {
    const len = r.end - r.start
    timestamps.set(series.timestamps.subarray(r.start, r.end), at)
    series.values.forEach((c, j) => values[j].set(c.subarray(r.start, r.end), at))
    labels.set(series.labels.subarray(r.start, r.end), at)
    anomalyType.set(series.anomalyType.subarray(r.start, r.end), at)
    if (targets) for (const k of Object.keys(targets)) targets[k].set(series.targets![k].subarray(r.start, r.end), at)
    // Where this part starts in the stored version (through the source's own origin, if any).
    segments.push({ id: r.id, start: at, end: at + len, origin: originOf(series, r.start) })
    at += len
  }
  return { ...series, name, timestamps, values, labels, anomalyType, segments, targets }
}

/** The stored-version row of `row` of `series`. */
function originOf(series: LabelledSeries, row: number): number {
  return sourceRows(series, Int32Array.of(row))[0]
}

function need(part: string, ranges: Segment[], series: LabelledSeries): void {
  const rows = ranges.reduce((a, r) => a + (r.end - r.start), 0)
  if (rows < 2) throw new Error(`split leaves ${rows} rows for ${part} (dataset '${series.name}' has ${series.timestamps.length})`)
}

export function splitSeries(series: LabelledSeries, rule: SplitRule): SplitResult {
  const segs = segmentsOf(series)
  let train: Segment[] = []
  let validation: Segment[] = []
  let test: Segment[] = []
  switch (rule.kind) {
    case 'time': {
      const v = rule.validationFraction ?? 0
      if (rule.trainFraction + v >= 1) throw new Error(`split: trainFraction + validationFraction must be < 1`)
      for (const s of segs) {
        const n = s.end - s.start
        const a = s.start + Math.round(n * rule.trainFraction)
        const b = s.start + Math.round(n * (rule.trainFraction + v))
        train.push({ id: s.id, start: s.start, end: a })
        if (b > a) validation.push({ id: s.id, start: a, end: b })
        test.push({ id: s.id, start: b, end: s.end })
      }
      break
    }
    case 'entity': {
      const v = rule.validationFraction ?? 0
      if (rule.trainFraction + v >= 1) throw new Error(`split: trainFraction + validationFraction must be < 1`)
      if (segs.length < 2) throw new Error(`split by entity needs several entities; '${series.name}' has one segment`)
      const order = createRng(rule.seed ?? 0).shuffle(segs.map((_, i) => i))
      const nTrain = Math.max(1, Math.round(segs.length * rule.trainFraction))
      const nVal = Math.round(segs.length * v)
      // Keep segments in their stored order inside each part (time order stays readable).
      const part = (k: number) => (k < nTrain ? train : k < nTrain + nVal ? validation : test)
      const assigned = new Map<number, Segment[]>()
      order.forEach((segIndex, k) => assigned.set(segIndex, part(k)))
      segs.forEach((s, i) => assigned.get(i)!.push(s))
      break
    }
    case 'file': {
      const ids = new Set(segs.map((s) => s.id))
      for (const id of [...rule.test, ...(rule.validation ?? [])]) {
        if (!ids.has(id)) throw new Error(`split: no segment '${id}' in '${series.name}' (segments: ${[...ids].slice(0, 20).join(', ')})`)
      }
      const t = new Set(rule.test)
      const vset = new Set(rule.validation ?? [])
      for (const s of segs) (t.has(s.id) ? test : vset.has(s.id) ? validation : train).push(s)
      break
    }
    case 'first-rows': {
      for (const s of segs) {
        const cut = Math.min(s.end, s.start + rule.trainRows)
        train.push({ id: s.id, start: s.start, end: cut })
        if (cut < s.end) test.push({ id: s.id, start: cut, end: s.end })
      }
      break
    }
  }
  train = train.filter((r) => r.end > r.start)
  validation = validation.filter((r) => r.end > r.start)
  test = test.filter((r) => r.end > r.start)
  need('train', train, series)
  need('test', test, series)
  return {
    train: selectRanges(series, train, `${series.name} [train]`),
    validation: validation.length > 0 ? selectRanges(series, validation, `${series.name} [validation]`) : null,
    test: selectRanges(series, test, `${series.name} [test]`)
  }
}

/**
 * Splits are part of an experiment, not copies of stored data: a split names row ranges of one
 * dataset version, and the trial cuts them when it runs. Every split respects segments (entities,
 * files): windows and time order never cross a segment boundary.
 */
import type { LabelledSeries, Segment } from './series'
import { segmentsOf, sourceRows } from './series'
import { createRng } from './rng'

/**
 * Every split has a validation part: thresholds, early stopping and a search's winner are chosen
 * there, and test is only reported. A rule that names no validation part holds out the last
 * `validationShare` of each training segment's rows (in time order), or that share of the
 * training entities for an entity split. 0 opts out (the model then chooses on training data).
 */
export const DEFAULT_VALIDATION_SHARE = 0.15

interface HoldOut {
  /** Share of the training rows (or entities) held out for validation when none is named. */
  validationShare?: number
}

export type SplitRule = HoldOut &
  (
    /** Chronological within each segment: the first `trainFraction` of its rows train. */
    | { kind: 'time'; trainFraction: number; validationFraction?: number }
    /** Whole entities (segments), shuffled with `seed`: the first `trainFraction` of them train. */
    | { kind: 'entity'; trainFraction: number; validationFraction?: number; seed?: number }
    /** Named segments (files or entities) test; the others train. */
    | { kind: 'file'; test: string[]; validation?: string[] }
    /** The first `trainRows` rows of each segment train, the rest test. */
    | { kind: 'first-rows'; trainRows: number }
  )

/** One model per segment: its first rows (or first fraction) train, the rest test. */
export type PerSegmentRule = HoldOut & { kind: 'per-segment'; train: { firstRows: number } | { firstFraction: number } }

/** One segment's parts under a per-segment rule. */
export interface SegmentParts extends SplitResult {
  segment: Segment
}

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
  if (validation.length === 0) ({ train, validation } = holdOut(train, rule.validationShare ?? DEFAULT_VALIDATION_SHARE, rule.kind === 'entity'))
  need('train', train, series)
  need('test', test, series)
  return {
    train: selectRanges(series, train, `${series.name} [train]`),
    validation: validation.length > 0 ? selectRanges(series, validation, `${series.name} [validation]`) : null,
    test: selectRanges(series, test, `${series.name} [test]`)
  }
}

/**
 * The validation part carved out of training ranges: the last `share` of each range's rows (time
 * order), or — `byEntity` — the last `share` of the ranges themselves (at least one, when there
 * are two or more). Ranges too short to give a row keep all of theirs.
 */
function holdOut(train: Segment[], share: number, byEntity: boolean): { train: Segment[]; validation: Segment[] } {
  if (!(share >= 0 && share < 1)) throw new Error(`split: validationShare must be in [0, 1), got ${share}`)
  if (share === 0) return { train, validation: [] }
  if (byEntity) {
    if (train.length < 2) return { train, validation: [] }
    const n = Math.min(train.length - 1, Math.max(1, Math.round(train.length * share)))
    return { train: train.slice(0, train.length - n), validation: train.slice(train.length - n) }
  }
  const kept: Segment[] = []
  const validation: Segment[] = []
  for (const r of train) {
    const cut = r.end - Math.floor((r.end - r.start) * share)
    kept.push({ ...r, end: cut })
    if (cut < r.end) validation.push({ ...r, start: cut })
  }
  return { train: kept.filter((r) => r.end > r.start), validation }
}

/** A whole series (the train dataset of a separate-test split) with its validation part held out. */
export function holdOutValidation(series: LabelledSeries, share: number = DEFAULT_VALIDATION_SHARE): { train: LabelledSeries; validation: LabelledSeries | null } {
  const { train, validation } = holdOut(segmentsOf(series), share, false)
  need('train', train, series)
  return {
    train: selectRanges(series, train, `${series.name} [train]`),
    validation: validation.length > 0 ? selectRanges(series, validation, `${series.name} [validation]`) : null
  }
}

/**
 * Each segment's own train / validation / test parts (a model per segment). A segment too short
 * to leave two rows for training and one for testing is refused with its name.
 */
export function perSegmentParts(series: LabelledSeries, rule: PerSegmentRule): SegmentParts[] {
  const share = rule.validationShare ?? DEFAULT_VALIDATION_SHARE
  return segmentsOf(series).map((seg) => {
    const n = seg.end - seg.start
    const trainRows = 'firstRows' in rule.train ? rule.train.firstRows : Math.round(n * rule.train.firstFraction)
    const cut = seg.start + Math.min(n, trainRows)
    if (cut - seg.start < 2 || cut >= seg.end) {
      throw new Error(`per-segment split: segment '${seg.id}' has ${n} rows; training on its first ${trainRows} leaves ${cut - seg.start < 2 ? 'too few to train' : 'none to test'}`)
    }
    const { train, validation } = holdOut([{ id: seg.id, start: seg.start, end: cut }], share, false)
    return {
      segment: seg,
      train: selectRanges(series, train, `${series.name} [${seg.id} train]`),
      validation: validation.length > 0 ? selectRanges(series, validation, `${series.name} [${seg.id} validation]`) : null,
      test: selectRanges(series, [{ id: seg.id, start: cut, end: seg.end }], `${series.name} [${seg.id} test]`)
    }
  })
}

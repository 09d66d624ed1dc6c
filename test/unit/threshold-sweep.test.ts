import { describe, expect, it } from 'vitest'
import { ThresholdSweep } from '../../src-main/core/eval/threshold-sweep'
import { episodeWindows, episodeWindowsFromIds } from '../../src-main/core/eval/episode-windows'
import {
  averagePrecision,
  confusionMatrix,
  predictAtThreshold,
  prCurve,
  rates,
  recallByType,
  rocAuc,
  rocCurve
} from '../../src-main/core/eval/metrics'
import { createRng } from '../../src-main/core/data/rng'
import { generateScenario } from '../../src-main/core/data/scenarios'
import { windowLabels, windowStarts, windowTypes } from '../../src-main/core/data/windows'
import type { LabelledSeries } from '../../src-main/core/data/series'

const TYPE_NAMES = ['spike', 'drop', 'drift']

/** Windows with many tied scores (rounded to 1/50) so ties are exercised, stored as float32 like run_scores. */
function randomWindows(n: number, seed: number): { scores: Float32Array; labels: Uint8Array; types: Uint8Array } {
  const rng = createRng(seed)
  const scores = new Float32Array(n)
  const labels = new Uint8Array(n)
  const types = new Uint8Array(n)
  for (let i = 0; i < n; i++) {
    labels[i] = rng.uniform() < 0.2 ? 1 : 0
    const base = labels[i] ? 0.6 : 0.4
    scores[i] = Math.round((base + 0.2 * rng.normal()) * 50) / 50
    // Types on anomalous windows, plus stray codes on normal ones and an unknown code (4): both ignored.
    types[i] = labels[i] ? rng.int(1, 3) : rng.uniform() < 0.05 ? rng.int(1, 4) : 0
  }
  return { scores, labels, types }
}

function thresholdsAround(scores: ArrayLike<number>): number[] {
  const distinct = [...new Set(Array.from(scores))].sort((a, b) => a - b)
  const out = [-Infinity, Infinity, distinct[0] - 1, distinct[distinct.length - 1] + 1]
  for (let i = 0; i < distinct.length; i++) {
    out.push(distinct[i])
    if (i + 1 < distinct.length) out.push((distinct[i] + distinct[i + 1]) / 2)
  }
  return out
}

describe('threshold sweep: window metrics', () => {
  it('at(t) gives the confusion matrix, rates and per-type recall of metrics.ts at every distinct score, midpoint and beyond', () => {
    const { scores, labels, types } = randomWindows(3000, 1)
    const sweep = new ThresholdSweep({ scores, labels, types: { codes: types, names: TYPE_NAMES } })
    const ts = thresholdsAround(scores)
    expect(ts.length).toBeGreaterThan(50)
    for (const t of ts) {
      const predicted = predictAtThreshold(scores, t)
      const cm = confusionMatrix(labels, predicted)
      const r = sweep.at(t)
      expect(r.confusion, `t = ${t}`).toEqual(cm)
      const expected = rates(cm)
      for (const k of Object.keys(expected) as (keyof typeof expected)[]) expect(r[k]).toBe(expected[k])
      expect(r.balancedAccuracy).toBe((expected.recall + expected.specificity) / 2)
      expect(r.perType).toEqual(recallByType(labels, predicted, types, TYPE_NAMES))
      expect(r.flagged).toBe(cm.tp + cm.fp)
      expect(r.support).toEqual({ normal: cm.tn + cm.fp, anomalous: cm.tp + cm.fn })
    }
  })

  it('ROC AUC and average precision equal metrics.ts to the bit', () => {
    const { scores, labels } = randomWindows(5000, 2)
    const sweep = new ThresholdSweep({ scores, labels })
    expect(sweep.rocAuc).toBe(rocAuc(labels, scores))
    expect(sweep.averagePrecision).toBe(averagePrecision(labels, scores))
    expect(sweep.at(0.5).rocAuc).toBe(sweep.rocAuc)
  })

  it('undownsampled curves are the ROC and PR curves of metrics.ts', () => {
    const { scores, labels } = randomWindows(2000, 3)
    const sweep = new ThresholdSweep({ scores, labels })
    const { roc, pr } = sweep.curves(100_000)
    expect(roc).toEqual(rocCurve(labels, scores, 100_000))
    expect(pr).toEqual(prCurve(labels, scores, 100_000))
  })

  it('downsampled curves keep at most maxPoints points, both ends, each one a point of the full curve, and bound the gap between neighbours', () => {
    const rng = createRng(4)
    const n = 50_000
    const scores = new Float32Array(n)
    const labels = new Uint8Array(n)
    for (let i = 0; i < n; i++) {
      labels[i] = rng.uniform() < 0.03 ? 1 : 0
      scores[i] = rng.normal() + (labels[i] ? 2 : 0)
    }
    const sweep = new ThresholdSweep({ scores, labels })
    const full = sweep.curves(n + 1)
    expect(full.roc.fpr.length).toBe(sweep.cuts)
    expect(sweep.cuts).toBeGreaterThan(40_000)
    const { roc, pr } = sweep.curves(200)
    expect(roc.fpr.length).toBeLessThanOrEqual(200)
    expect(roc.fpr.length).toBeGreaterThan(100)
    expect(roc.thresholds[0]).toBe(Infinity)
    expect(roc.fpr.at(-1)).toBe(1)
    expect(roc.tpr.at(-1)).toBe(1)
    expect(pr.thresholds).toEqual(roc.thresholds)
    const index = new Map(full.roc.thresholds.map((t, i) => [t, i]))
    let prev = -1
    for (let i = 0; i < roc.thresholds.length; i++) {
      const j = index.get(roc.thresholds[i])!
      expect(j).toBeGreaterThan(prev)
      expect([roc.fpr[i], roc.tpr[i], pr.precision[i], pr.recall[i]]).toEqual([full.roc.fpr[j], full.roc.tpr[j], full.pr.precision[j], full.pr.recall[j]])
      if (i > 0) {
        // Between two kept points, the curve moved less than one step plus one window's worth.
        const gap = Math.abs(roc.fpr[i] - roc.fpr[i - 1]) + Math.abs(roc.tpr[i] - roc.tpr[i - 1])
        expect(gap).toBeLessThan(2 / 198 + 1 / sweep.positives + 1e-12)
      }
      prev = j
    }
    // The operating point at a kept threshold is that curve point.
    const k = 50
    const op = sweep.operatingPoint(roc.thresholds[k])
    expect([op.fpr, op.tpr, op.precision]).toEqual([roc.fpr[k], roc.tpr[k], pr.precision[k]])
  })

  it('windows with a NaN score are never flagged, stay in the counts as unscored, and agree with metrics.ts', () => {
    const { scores, labels } = randomWindows(500, 5)
    for (let i = 0; i < scores.length; i += 7) scores[i] = NaN
    const sweep = new ThresholdSweep({ scores, labels })
    expect(sweep.unscored).toBe(Math.ceil(500 / 7))
    for (const t of [-Infinity, 0.2, 0.5, 0.8]) {
      const r = sweep.at(t)
      expect(r.confusion).toEqual(confusionMatrix(labels, predictAtThreshold(scores, t)))
      expect(r.unscored).toBe(sweep.unscored)
    }
    expect(sweep.at(-Infinity).flagged).toBe(500 - sweep.unscored)
  })

  it('refuses mismatched lengths and a NaN threshold with messages that say which', () => {
    const labels = Uint8Array.of(0, 1)
    expect(() => new ThresholdSweep({ scores: Float32Array.of(0.1), labels })).toThrow(/1 scores but 2 labels/)
    expect(() => new ThresholdSweep({ scores: Float32Array.of(0.1, 0.2), labels, types: { codes: Uint8Array.of(1), names: ['a'] } })).toThrow(/1 anomaly type codes/)
    const sweep = new ThresholdSweep({ scores: Float32Array.of(0.1, 0.2), labels })
    expect(() => sweep.at(NaN)).toThrow(/threshold must be a number/)
    expect(() => sweep.curves(2)).toThrow(/maxPoints/)
  })

  it('an empty split gives zeros, not errors', () => {
    const sweep = new ThresholdSweep({ scores: new Float32Array(0), labels: new Uint8Array(0) })
    expect(sweep.at(0.5).confusion).toEqual({ tn: 0, fp: 0, fn: 0, tp: 0 })
    expect(sweep.cuts).toBe(1)
    expect(sweep.curves().roc.thresholds).toEqual([Infinity])
  })
})

/**
 * Event metrics by brute force: for each labelled run of rows, every window overlapping it,
 * the first (by end row) with score >= t.
 */
function bruteEvents(series: LabelledSeries, starts: Int32Array, length: number, scores: Float32Array, t: number) {
  const runs: { first: number; last: number }[] = []
  const segs = series.segments ?? [{ id: 'all', start: 0, end: series.labels.length }]
  for (const seg of segs) {
    for (let r = seg.start; r < seg.end; r++) {
      if (!series.labels[r]) continue
      const type = series.anomalyType[r]
      let e = r
      while (e + 1 < seg.end && series.labels[e + 1] && series.anomalyType[e + 1] === type) e++
      runs.push({ first: r, last: e })
      r = e
    }
  }
  let caught = 0
  let delaySum = 0
  let withoutWindow = 0
  for (const { first, last } of runs) {
    let firstFlagEnd = Infinity
    let any = false
    for (let w = 0; w < starts.length; w++) {
      const end = starts[w] + length - 1
      if (end < first || starts[w] > last) continue
      any = true
      if (scores[w] >= t) firstFlagEnd = Math.min(firstFlagEnd, end)
    }
    if (!any) withoutWindow++
    if (firstFlagEnd < Infinity) {
      caught++
      delaySum += firstFlagEnd - first
    }
  }
  return { episodes: runs.length, caught, recall: runs.length ? caught / runs.length : 0, meanDelayRows: caught ? delaySum / caught : null, withoutWindow }
}

describe('threshold sweep: event-level recall and detection delay', () => {
  it('match a brute-force scan over a generated dataset with strided windows, at every distinct score', () => {
    const series = generateScenario('helios-detection', { days: 3, seed: 5 })
    const length = 12
    const starts = windowStarts(series, { length, stride: 3 })
    const labels = windowLabels(series, starts, length, { kind: 'any' })
    const rng = createRng(6)
    // Scores that rise inside episodes (so delays vary with the threshold) plus noise and ties.
    const scores = Float32Array.from(labels, (y) => Math.round((y ? 0.5 + 0.3 * rng.uniform() : 0.45 * rng.uniform()) * 40) / 40)
    const episodes = episodeWindows(series, starts, length)
    expect(episodes.firstRow.length).toBeGreaterThan(10)
    const sweep = new ThresholdSweep({ scores, labels, types: { codes: windowTypes(series, starts, length), names: series.anomalyTypeNames }, episodes })
    const ts = thresholdsAround(scores)
    let sawDelay = false
    for (const t of ts) {
      const got = sweep.at(t).events!
      const want = bruteEvents(series, starts, length, scores, t)
      expect(got.episodes).toBe(want.episodes)
      expect(got.caught, `t = ${t}`).toBe(want.caught)
      expect(got.recall).toBeCloseTo(want.recall, 12)
      expect(got.withoutWindow).toBe(want.withoutWindow)
      if (want.meanDelayRows === null) expect(got.meanDelayRows).toBeNull()
      else expect(got.meanDelayRows!).toBeCloseTo(want.meanDelayRows, 9)
      if ((want.meanDelayRows ?? 0) > 0) sawDelay = true
    }
    expect(sawDelay).toBe(true)
  })

  it('split episodes at segment boundaries, count episodes no window covers, and list a window under every episode it spans', () => {
    const n = 40
    const labels = new Uint8Array(n)
    for (const r of [3, 4, 5, 9, 10, 19, 20, 21, 36]) labels[r] = 1
    const series: LabelledSeries = {
      name: 's',
      intervalMs: 1000,
      timestamps: Float64Array.from({ length: n }, (_, i) => i * 1000),
      columns: ['a'],
      values: [new Float32Array(n)],
      labels,
      anomalyTypeNames: [],
      anomalyType: new Uint8Array(n),
      // rows 19-21 straddle a boundary: two episodes; row 36 lies in a segment too short for a window.
      segments: [
        { id: 'a', start: 0, end: 20 },
        { id: 'b', start: 20, end: 35 },
        { id: 'c', start: 35, end: 40 }
      ]
    }
    const length = 8
    const starts = windowStarts(series, { length, stride: 2 })
    const ep = episodeWindows(series, starts, length)
    expect(Array.from(ep.firstRow)).toEqual([3, 9, 19, 20, 36])
    // The window starting at row 2 spans rows 2-9: it lies over the episodes at rows 3-5 and at 9-10.
    const w2 = starts.indexOf(2)
    const members = (e: number) => Array.from(ep.windows.subarray(ep.offsets[e], ep.offsets[e + 1]))
    expect(members(0)).toContain(w2)
    expect(members(1)).toContain(w2)
    expect(members(4)).toEqual([])
    const scores = Float32Array.from(starts, (s) => s / 40)
    const sweep = new ThresholdSweep({ scores, labels: windowLabels(series, starts, length, { kind: 'any' }), episodes: ep })
    for (const t of thresholdsAround(scores)) expect(sweep.at(t).events).toEqual(bruteEvents(series, starts, length, scores, t))
    expect(sweep.at(-Infinity).events!.withoutWindow).toBe(1)
  })

  it('per-window episode ids give the same index and metrics as rows do', () => {
    const series = generateScenario('helios-detection', { days: 2, seed: 8 })
    const length = 6
    const starts = windowStarts(series, { length, stride: 6 })
    const byRows = episodeWindows(series, starts, length)
    // Disjoint windows over episodes far apart: each window lies over at most one episode.
    const ids = new Int32Array(starts.length).fill(-1)
    for (let e = 0; e < byRows.firstRow.length; e++) {
      for (let k = byRows.offsets[e]; k < byRows.offsets[e + 1]; k++) {
        const w = byRows.windows[k]
        expect(ids[w], `window ${w} spans two episodes`).toBe(-1)
        ids[w] = e
      }
    }
    const byIds = episodeWindowsFromIds(ids, byRows.windowEndRow, byRows.firstRow)
    expect(byIds).toEqual(byRows)
    expect(() => episodeWindowsFromIds(Int32Array.of(0, 5), Int32Array.of(3, 4), Int32Array.of(0))).toThrow(/window 1: episode id 5/)
  })

  it('episodeWindows refuses windows that do not fit or do not ascend', () => {
    const series = generateScenario('helios-detection', { days: 1, seed: 1 })
    expect(() => episodeWindows(series, Int32Array.of(5, 3), 4)).toThrow(/must ascend/)
    expect(() => episodeWindows(series, Int32Array.of(0, series.labels.length - 2), 4)).toThrow(/do not fit/)
  })
})

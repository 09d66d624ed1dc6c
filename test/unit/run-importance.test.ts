/**
 * The run-level pieces over the attribution engine: which windows permutation importance uses
 * when there are too many, what it measures with a model whose score reads one feature only,
 * and how an explanation ranks, shares and summarises contributions.
 */
import { describe, it, expect } from 'vitest'
import { capWindows, runFeatureImportance } from '../../src-main/core/eval/attribution/run-importance'
import { explainWindow, positiveShares } from '../../src-main/core/eval/attribution/explain-window'
import type { ExplainableModel } from '../../src-main/core/eval/attribution/explainable-model'
import { createRng } from '../../src-main/core/data/rng'
import { iforestExplainable } from '../../src-main/core/eval/attribution/explainable-model'
import { fitIsolationForest, toJSON } from '../../src-main/core/models/iforest'
import { fromColumns } from '../../src-main/core/data/matrix'

const F = 3
const T = 5
const NAMES = ['a', 'b', 'c']

/** A windowed "model" whose score is the mean of feature b over the window: only b can matter. */
function readsB(): ExplainableModel {
  return {
    kind: 'lstm-classifier',
    featureNames: NAMES,
    scaler: { mean: [0, 0, 0], scale: [1, 1, 1] },
    length: T,
    score: async (batch, count) =>
      Float64Array.from({ length: count }, (_, i) => {
        let s = 0
        for (let t = 0; t < T; t++) s += batch[(i * T + t) * F + 1]
        return s / T
      }),
    storedScoresNote: null,
    dispose: async () => {}
  }
}

describe('capWindows', () => {
  it('keeps every window when there are few', () => {
    expect(Array.from(capWindows(new Uint8Array(7), 10))).toEqual([0, 1, 2, 3, 4, 5, 6])
  })

  it('keeps every anomalous window up to half the cap, then normal ones evenly spaced, in order', () => {
    const labels = Uint8Array.from({ length: 10_000 }, (_, i) => (i % 100 === 7 ? 1 : 0))
    const keep = Array.from(capWindows(labels, 1000))
    expect(keep).toHaveLength(1000)
    expect(keep).toEqual([...keep].sort((a, b) => a - b))
    expect(keep.filter((i) => labels[i]).length).toBe(100)
    const normal = keep.filter((i) => !labels[i])
    expect(normal).toHaveLength(900)
    // Evenly spaced through the split: no gap much wider than 10,000 / 900.
    expect(Math.max(...normal.slice(1).map((v, k) => v - normal[k]))).toBeLessThanOrEqual(13)
    expect(normal[normal.length - 1]).toBeGreaterThan(9_900)
  })

  it('caps the anomalous windows at half when they are many', () => {
    const labels = Uint8Array.from({ length: 5_000 }, (_, i) => (i % 2 === 0 ? 1 : 0))
    const keep = Array.from(capWindows(labels, 400))
    expect(keep.filter((i) => labels[i]).length).toBe(200)
    expect(keep.filter((i) => !labels[i]).length).toBe(200)
  })
})

describe('runFeatureImportance (permutation)', () => {
  const rng = createRng(5)
  const rows = 600
  const columns = NAMES.map(() => Float32Array.from({ length: rows }, () => rng.normal()))
  const starts = Int32Array.from({ length: 500 }, (_, i) => i)
  /** Labelled by the model's own rule, so its ROC AUC is 1 before any shuffle. */
  const mean = (i: number) => columns[1].subarray(starts[i], starts[i] + T).reduce((a, v) => a + v, 0) / T
  const labels = Uint8Array.from({ length: starts.length }, (_, i) => (mean(i) > 0.6 ? 1 : 0))

  it('measures a drop only for the feature the model reads; the others are exactly 0', async () => {
    const r = await runFeatureImportance(readsB(), { columns, starts, labels })
    expect(r).toMatchObject({ method: 'permutation', windowsUsed: 500, windowsTotal: 500, repeats: 3 })
    expect(r.features[0].name).toBe('b')
    expect(r.features[0].importance).toBeGreaterThan(0.2)
    for (const f of r.features.slice(1)) expect(f).toEqual({ name: f.name, importance: 0, std: 0 })
    expect(r.note).toMatch(/^ROC AUC 1\.0000 on 500 windows/)
  })

  it('says how many windows it used when it capped them', async () => {
    const r = await runFeatureImportance(readsB(), { columns, starts, labels }, { maxWindows: 100, repeats: 1 })
    expect(r.windowsUsed).toBe(100)
    expect(r.windowsTotal).toBe(500)
    expect(r.note).toMatch(/capped from 500/)
  })

  it('refuses windows of one class with the reason', async () => {
    await expect(runFeatureImportance(readsB(), { columns, starts, labels: new Uint8Array(starts.length) })).rejects.toThrow(/only normal ones: permutation importance measures a drop of ROC AUC, which needs both classes/)
  })
})

describe('runFeatureImportance (forest)', () => {
  it('reads the trees over evenly spaced rows: the feature that carries the outliers first, the cap said', async () => {
    const rng = createRng(9)
    const rows = 2000
    const columns = NAMES.map(() => Float32Array.from({ length: rows }, () => rng.normal()))
    const labels = new Uint8Array(rows)
    for (let r = 50; r < rows; r += 100) {
      columns[2][r] += 8
      labels[r] = 1
    }
    const scaler = { mean: [0, 0, 0], scale: [1, 1, 1] }
    const forest = fitIsolationForest(fromColumns(columns), { nEstimators: 100, seed: 2 })
    const model = iforestExplainable({ featureNames: NAMES, scaler, forest: toJSON(forest) })
    const starts = Int32Array.from({ length: rows }, (_, i) => i)
    const r = await runFeatureImportance(model, { columns, starts, labels }, { maxWindows: 500 })
    expect(r).toMatchObject({ method: 'path-length', windowsUsed: 500, windowsTotal: 2000, repeats: null })
    expect(r.features[0].name).toBe('c')
    expect(r.features.every((f) => f.std === null && f.importance > 0)).toBe(true)
    expect(r.note).toMatch(/over 500 rows \(capped from 2,000\)/)
  })
})

describe('explainWindow (occlusion) and shares', () => {
  it('shares are parts of the positive contributions', () => {
    expect(Array.from(positiveShares([2, -1, 6, 0]))).toEqual([0.25, 0, 0.75, 0])
    expect(Array.from(positiveShares([-1, 0]))).toEqual([0, 0])
  })

  it('credits the feature the score reads, per feature and per step, and says so in a line', async () => {
    // b is high at steps 1 and 3 only; occluding it (training mean 0) takes the score to 0.
    const raw = new Float32Array(T * F)
    for (let t = 0; t < T; t++) raw.set([0.5, t % 2 === 1 ? 5 : 0, -0.5], t * F)
    const e = await explainWindow(readsB(), raw)
    expect(e.method).toBe('occlusion')
    expect(e.score).toBeCloseTo(2, 6)
    expect(e.features[0]).toEqual({ name: 'b', contribution: e.score, share: 1 })
    expect(e.features.slice(1).map((f) => f.contribution)).toEqual([0, 0])
    const cell = (t: number, f: number) => e.steps![t * F + f]
    expect([0, 1, 2, 3, 4].map((t) => cell(t, 1))).toEqual([0, 1, 0, 1, 0])
    expect([0, 1, 2, 3, 4].flatMap((t) => [cell(t, 0), cell(t, 2)])).toEqual(new Array(10).fill(0))
    expect(e.summary).toBe('b carries 100 % of the score drop under occlusion: at its training mean the score falls from 2.000 to 0.000')
  })

  it('says when the stored scores are post-processed, so its score is the window’s own', async () => {
    const e = await explainWindow({ ...readsB(), storedScoresNote: 'stored scores are smoothed' }, new Float32Array(T * F))
    expect(e.methodNote).toMatch(/ Note: stored scores are smoothed\.$/)
  })

  it('refuses a window of the wrong shape', async () => {
    await expect(explainWindow(readsB(), new Float32Array(T * F - 1))).rejects.toThrow(/a window of this model is 5 x 3 values, got 14/)
  })
})

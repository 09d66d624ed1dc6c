import { describe, expect, it } from 'vitest'
import { occlusionAttribution } from '../../src-main/core/eval/attribution/occlusion'
import { permutationImportance } from '../../src-main/core/eval/attribution/permutation'
import type { BatchScorer } from '../../src-main/core/eval/attribution/batch-scorer'
import { fitIsolationForest, scoreSamples } from '../../src-main/core/models/iforest'
import { rocAuc } from '../../src-main/core/eval/metrics'
import { createRng } from '../../src-main/core/data/rng'
import { matrix, type Matrix } from '../../src-main/core/data/matrix'

const F = 5

function normalRows(n: number, seed: number): Matrix {
  const rng = createRng(seed)
  const m = matrix(n, F)
  for (let i = 0; i < n * F; i++) m.data[i] = rng.normal()
  return m
}

const forest = fitIsolationForest(normalRows(2000, 1), { nEstimators: 150, seed: 2 })

/** The forest as a row model (windows of length 1). */
const rowScorer: BatchScorer = async (batch, count) => scoreSamples(forest, { data: batch, rows: count, cols: F })

/** A window model built from the forest: a window's score is its most anomalous step's. */
function windowScorer(T: number): BatchScorer {
  return async (batch, count) => {
    const steps = scoreSamples(forest, { data: batch, rows: count * T, cols: F })
    return Float64Array.from({ length: count }, (_, w) => Math.max(...steps.subarray(w * T, (w + 1) * T)))
  }
}

const TRAIN_MEAN = new Float32Array(F) // the standard scaler's mean, in scaled units

describe('occlusion attribution', () => {
  it('ranks first the one feature a row was pushed out of range in, with a trained forest as the model', async () => {
    const rows = normalRows(20, 3)
    let checked = 0
    for (let i = 0; i < rows.rows; i++) {
      const base = rows.data.slice(i * F, (i + 1) * F)
      if (!base.every((v) => Math.abs(v) < 1.5)) continue
      for (let j = 0; j < F; j++) {
        const x = base.slice()
        x[j] += 5
        const a = await occlusionAttribution(rowScorer, x, TRAIN_MEAN, { length: 1, features: F })
        expect(a.ranking[0], `row ${i}, feature ${j}: ${Array.from(a.perFeature, (v) => v.toFixed(3))}`).toBe(j)
        expect(a.perFeature[j]).toBeGreaterThan(0)
        checked++
      }
    }
    expect(checked).toBeGreaterThan(30)
  })

  it('per cell, points at the step and feature that were perturbed', async () => {
    const T = 8
    const rows = normalRows(T, 4)
    for (let i = 0; i < rows.data.length; i++) rows.data[i] = Math.max(-1, Math.min(1, rows.data[i]))
    for (const [t, f] of [[5, 2], [0, 4], [7, 0]]) {
      const w = rows.data.slice()
      w[t * F + f] = 5
      const a = await occlusionAttribution(windowScorer(T), w, TRAIN_MEAN, { length: T, features: F })
      const top = a.perCell!.indexOf(Math.max(...a.perCell!))
      expect([Math.floor(top / F), top % F]).toEqual([t, f])
      expect(a.ranking[0]).toBe(f)
    }
  })

  it('equals scoring each occluded window by hand, whatever the batch size, with a per-feature or whole-window baseline', async () => {
    const T = 3
    const rng = createRng(5)
    const w = Float32Array.from({ length: T * F }, () => rng.normal())
    const baseline = Float32Array.from({ length: F }, (_, f) => 0.1 * f)
    const scorer = windowScorer(T)
    const one = async (x: Float32Array) => (await scorer(x, 1))[0]
    const score = await one(w)
    const byHand = new Float64Array(F)
    for (let f = 0; f < F; f++) {
      const x = w.slice()
      for (let t = 0; t < T; t++) x[t * F + f] = baseline[f]
      byHand[f] = score - (await one(x))
    }
    const cells = new Float64Array(T * F)
    for (let k = 0; k < T * F; k++) {
      const x = w.slice()
      x[k] = baseline[k % F]
      cells[k] = score - (await one(x))
    }
    const wholeWindowBaseline = Float32Array.from({ length: T * F }, (_, k) => baseline[k % F])
    for (const [batchSize, base] of [[1, baseline], [4, baseline], [1000, wholeWindowBaseline]] as const) {
      const a = await occlusionAttribution(scorer, w, base, { length: T, features: F }, { batchSize })
      expect(a.score).toBe(score)
      expect(Array.from(a.perFeature)).toEqual(Array.from(byHand))
      expect(Array.from(a.perCell!)).toEqual(Array.from(cells))
    }
    const noCells = await occlusionAttribution(scorer, w, baseline, { length: T, features: F }, { perCell: false })
    expect(noCells.perCell).toBeNull()
  })

  it('refuses a baseline or window of the wrong size and a scorer that returns the wrong count', async () => {
    const shape = { length: 2, features: F }
    await expect(occlusionAttribution(rowScorer, new Float32Array(10), new Float32Array(3), shape)).rejects.toThrow(/baseline has 3 values: give one per feature \(5\) or a whole window \(10\)/)
    await expect(occlusionAttribution(rowScorer, new Float32Array(9), new Float32Array(5), shape)).rejects.toThrow(/window has 9 values/)
    const short: BatchScorer = async (_b, count) => new Float64Array(count - 1)
    await expect(occlusionAttribution(short, new Float32Array(10), new Float32Array(5), shape)).rejects.toThrow(/returned \d+ scores for a batch of \d+ windows/)
  })
})

/** Rows whose anomalies (label 1) lie out of range in feature 3 only. */
function labelledRows(n: number, seed: number): { columns: Float32Array[]; labels: Uint8Array } {
  const rng = createRng(seed)
  const columns = Array.from({ length: F }, () => new Float32Array(n))
  const labels = new Uint8Array(n)
  for (let i = 0; i < n; i++) {
    labels[i] = rng.uniform() < 0.1 ? 1 : 0
    for (let f = 0; f < F; f++) columns[f][i] = rng.normal()
    if (labels[i]) columns[3][i] += rng.uniform() < 0.5 ? 4 : -4
  }
  return { columns, labels }
}

describe('permutation importance', () => {
  it('ranks first the feature the anomalies lie in, and finds the others near zero', async () => {
    const { columns, labels } = labelledRows(800, 6)
    const starts = Int32Array.from({ length: 800 }, (_, i) => i)
    const imp = await permutationImportance(rowScorer, { columns, starts, length: 1 }, labels, rocAuc, createRng(7), { repeats: 3 })
    expect(imp.baseline).toBeGreaterThan(0.9)
    expect(imp.ranking[0]).toBe(3)
    expect(imp.importance[3]).toBeGreaterThan(0.2)
    for (const f of [0, 1, 2, 4]) expect(Math.abs(imp.importance[f])).toBeLessThan(imp.importance[3] / 5)
    expect(imp.repeats).toBe(3)
  })

  it('permutes whole feature sub-sequences across windows: one repeat equals rescoring a permuted copy built by hand', async () => {
    const n = 60
    const T = 4
    const { columns, labels } = labelledRows(n + T, 8)
    const starts = Int32Array.from({ length: n }, (_, i) => i)
    const windowLabels = labels.subarray(0, n)
    const scorer = windowScorer(T)
    const windowOf = (i: number, f: number, src: number) =>
      Float32Array.from({ length: T * F }, (_, k) => columns[k % F][(k % F === f ? src : i) + Math.floor(k / F)])
    const scoreAll = async (f: number, perm: number[] | null) => {
      const out = new Float64Array(n)
      for (let i = 0; i < n; i++) out[i] = (await scorer(windowOf(i, f, perm ? perm[i] : i), 1))[0]
      return out
    }
    const baseline = rocAuc(windowLabels, await scoreAll(-1, null))
    // The same draws as permutationImportance makes: one shuffle of the window order per (feature, repeat), in feature order.
    const rng = createRng(9)
    const order = Array.from({ length: n }, (_, i) => i)
    const expected: number[] = []
    for (let f = 0; f < F; f++) expected.push(baseline - rocAuc(windowLabels, await scoreAll(f, [...rng.shuffle(order)])))
    for (const batchSize of [7, 256]) {
      const imp = await permutationImportance(scorer, { columns, starts, length: T }, windowLabels, rocAuc, createRng(9), { repeats: 1, batchSize })
      expect(imp.baseline).toBe(baseline)
      expect(Array.from(imp.importance)).toEqual(expected)
      expect(Array.from(imp.std)).toEqual([0, 0, 0, 0, 0])
    }
  })

  it('refuses mismatched labels, a metric that is undefined on the windows, and zero repeats', async () => {
    const { columns } = labelledRows(10, 10)
    const windows = { columns, starts: Int32Array.from({ length: 10 }, (_, i) => i), length: 1 }
    await expect(permutationImportance(rowScorer, windows, new Uint8Array(9), rocAuc, createRng(1))).rejects.toThrow(/10 windows but 9 labels/)
    await expect(permutationImportance(rowScorer, windows, new Uint8Array(10), rocAuc, createRng(1))).rejects.toThrow(/metric is NaN on these windows/)
    await expect(permutationImportance(rowScorer, windows, new Uint8Array(10), rocAuc, createRng(1), { repeats: 0 })).rejects.toThrow(/repeats must be a positive integer/)
  })
})

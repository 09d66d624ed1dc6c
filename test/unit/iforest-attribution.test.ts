import { describe, expect, it } from 'vitest'
import { iforestFeatureImportance, iforestPathAttribution } from '../../src-main/core/eval/attribution/iforest-attribution'
import { averagePathLength, fitIsolationForest, scoreSamples, type IsolationForestModel } from '../../src-main/core/models/iforest'
import { createRng } from '../../src-main/core/data/rng'
import { matrix, row, type Matrix } from '../../src-main/core/data/matrix'

const D = 6

/** Normal rows with correlated features (f1 follows f0, f3 follows f2), like real metrics. */
function normalRows(n: number, seed: number): Matrix {
  const rng = createRng(seed)
  const m = matrix(n, D)
  for (let i = 0; i < n; i++) {
    const a = rng.normal()
    const b = rng.normal()
    const r = [a, 0.8 * a + 0.6 * rng.normal(), b, 0.8 * b + 0.6 * rng.normal(), rng.normal(), rng.normal()]
    m.data.set(r, i * D)
  }
  return m
}

const forest = fitIsolationForest(normalRows(2000, 1), { nEstimators: 200, seed: 3 })
const heldOut = normalRows(40, 2)

describe('isolation forest path attribution', () => {
  it('splits the score exactly: 2^(-1 + sum / c(psi)) is the forest score of every row', () => {
    const scores = scoreSamples(forest, heldOut)
    for (let i = 0; i < heldOut.rows; i++) {
      const a = iforestPathAttribution(forest, row(heldOut, i))
      expect(a.score).toBeCloseTo(scores[i], 12)
      expect(a.total).toBeCloseTo(a.perFeature.reduce((x, y) => x + y, 0), 12)
    }
  })

  it('ranks first the one feature a typical row was pushed out of range in, for every feature, either way', () => {
    // Typical rows only: a row that already had another extreme feature rightly shares the credit.
    const typical = Array.from({ length: heldOut.rows }, (_, i) => row(heldOut, i)).filter((r) => r.every((v) => Math.abs(v) < 1.5))
    expect(typical.length).toBeGreaterThan(15)
    for (const base of typical) {
      const before = iforestPathAttribution(forest, base).score
      for (let j = 0; j < D; j++) {
        for (const shift of [5, -5]) {
          const x = Float32Array.from(base)
          x[j] += shift
          const a = iforestPathAttribution(forest, x)
          expect(a.perFeature.indexOf(Math.max(...a.perFeature)), `feature ${j} ${shift > 0 ? '+' : ''}${shift}: ${Array.from(a.perFeature, (v) => v.toFixed(3))}`).toBe(j)
          expect(a.score).toBeGreaterThan(before)
        }
      }
    }
  })

  it('credits each split with the path length it saved, on a hand-built tree', () => {
    // Root (8 samples) splits f1 < 0: left leaf holds 1, right node (7) splits f0 < 2 into 3 | 4.
    const model: IsolationForestModel = {
      kind: 'iforest',
      params: { nEstimators: 1, maxSamples: 'auto', contamination: 'auto', maxFeatures: 1, bootstrap: false, seed: 0 },
      nFeatures: 2,
      psi: 8,
      maxFeaturesUsed: 2,
      heightLimit: 3,
      threshold: 0.5,
      trees: [
        {
          features: Int32Array.of(0, 1),
          feature: Int32Array.of(1, -1, 0, -1, -1),
          threshold: Float32Array.of(0, 0, 2, 0, 0),
          left: Int32Array.of(1, -1, 3, -1, -1),
          right: Int32Array.of(2, -1, 4, -1, -1),
          size: Int32Array.of(8, 1, 7, 3, 4),
          depth: Int32Array.of(0, 1, 1, 2, 2)
        }
      ]
    }
    const c = averagePathLength
    const isolated = iforestPathAttribution(model, [5, -1])
    expect(isolated.perFeature[1]).toBeCloseTo(c(8) - 1 - c(1), 12)
    expect(isolated.perFeature[0]).toBe(0)
    const deep = iforestPathAttribution(model, [5, 1])
    expect(deep.perFeature[1]).toBeCloseTo(c(8) - 1 - c(7), 12)
    expect(deep.perFeature[0]).toBeCloseTo(c(7) - 1 - c(4), 12)
    expect(deep.perFeature[1]).toBeLessThan(0)
    expect(deep.total).toBeCloseTo(c(8) - (2 + c(4)), 12)
  })

  it('refuses a row of the wrong width', () => {
    expect(() => iforestPathAttribution(forest, [1, 2, 3])).toThrow(/trained on 6 features, got a row of 3/)
    expect(() => iforestFeatureImportance(forest, matrix(2, 3))).toThrow(/trained on 6 features, got 3/)
  })
})

describe('isolation forest feature importance', () => {
  it('is the mean of the per-row attributions, and ranks first the feature that carries the anomalies', () => {
    const rows = normalRows(600, 4)
    const rng = createRng(5)
    for (let i = 0; i < rows.rows; i++) if (rng.uniform() < 0.05) rows.data[i * D + 4] += 4 + rng.uniform() * 2
    const imp = iforestFeatureImportance(forest, rows)
    expect(imp.rows).toBe(600)
    const mean = new Float64Array(D)
    const meanAbs = new Float64Array(D)
    for (let i = 0; i < rows.rows; i++) {
      const a = iforestPathAttribution(forest, row(rows, i))
      for (let f = 0; f < D; f++) {
        mean[f] += a.perFeature[f] / rows.rows
        meanAbs[f] += Math.abs(a.perFeature[f]) / rows.rows
      }
    }
    for (let f = 0; f < D; f++) {
      expect(imp.mean[f]).toBeCloseTo(mean[f], 10)
      expect(imp.meanAbs[f]).toBeCloseTo(meanAbs[f], 10)
    }
    expect(imp.meanAbs.indexOf(Math.max(...imp.meanAbs))).toBe(4)
    expect(imp.mean.indexOf(Math.max(...imp.mean))).toBe(4)
  })
})

import { describe, expect, it } from 'vitest'
import { CancelledError } from '../../src-main/core/cancelled'
import { createRng } from '../../src-main/core/data/rng'
import type { Matrix } from '../../src-main/core/data/matrix'
import {
  averagePathLength,
  fitIsolationForest,
  fromJSON,
  iforestParamsSchema,
  scoreSamples,
  toJSON,
  type IsolationForestModel
} from '../../src-main/core/models/iforest'

const GAMMA = 0.5772156649

function gaussian(rows: number, cols: number, seed: number): Matrix {
  const rng = createRng(seed)
  const data = new Float32Array(rows * cols)
  for (let i = 0; i < data.length; i++) data[i] = rng.normal()
  return { data, rows, cols }
}

/** 500 standard-normal points followed by 5 points far from them. */
function withOutliers(): Matrix {
  const bulk = gaussian(500, 4, 1)
  const data = new Float32Array(505 * 4)
  data.set(bulk.data)
  const far = [
    [8, 8, 8, 8],
    [-9, 0, 0, 7],
    [0, 10, -10, 0],
    [7, -7, 7, -7],
    [0, 0, 0, 12]
  ]
  far.forEach((p, k) => data.set(p, (500 + k) * 4))
  return { data, rows: 505, cols: 4 }
}

function topK(scores: Float64Array, k: number): number[] {
  return Array.from(scores.keys())
    .sort((a, b) => scores[b] - scores[a])
    .slice(0, k)
}

describe('averagePathLength', () => {
  it('matches c(n) = 2H(n-1) - 2(n-1)/n', () => {
    expect(averagePathLength(0)).toBe(0)
    expect(averagePathLength(1)).toBe(0)
    expect(averagePathLength(2)).toBe(1)
    expect(averagePathLength(3)).toBeCloseTo(2 * (Math.log(2) + GAMMA) - 4 / 3, 12)
    expect(averagePathLength(256)).toBeCloseTo(10.2448, 4) // 10.24477
    for (const n of [5, 100, 1000]) {
      expect(averagePathLength(n)).toBeCloseTo(2 * (Math.log(n - 1) + GAMMA) - (2 * (n - 1)) / n, 12)
    }
  })
})

describe('fitIsolationForest', () => {
  const X = withOutliers()
  const model = fitIsolationForest(X, { seed: 3 })
  const scores = scoreSamples(model, X)

  it('ranks planted outliers above the bulk', () => {
    const top = topK(scores, 10)
    for (let k = 500; k < 505; k++) expect(top).toContain(k)
  })

  it('gives scores in (0, 1]', () => {
    for (const s of scores) {
      expect(s).toBeGreaterThan(0)
      expect(s).toBeLessThanOrEqual(1)
    }
  })

  it('is deterministic for a seed and differs between seeds', () => {
    const again = scoreSamples(fitIsolationForest(X, { seed: 3 }), X)
    expect(again).toEqual(scores)
    const other = fitIsolationForest(X, { seed: 4 })
    expect(other.trees[0].threshold).not.toEqual(model.trees[0].threshold)
    expect(scoreSamples(other, X)).not.toEqual(scores)
  })

  it('resolves maxSamples as sklearn does and caps the height at ceil(log2 psi)', () => {
    expect(model.psi).toBe(256)
    expect(model.heightLimit).toBe(8)
    expect(fitIsolationForest(X, { nEstimators: 2, maxSamples: 0.5 }).psi).toBe(252)
    expect(fitIsolationForest(X, { nEstimators: 2, maxSamples: 64 }).psi).toBe(64)
    expect(fitIsolationForest(X, { nEstimators: 2, maxSamples: 5000 }).psi).toBe(505)
    const small = gaussian(100, 2, 1)
    expect(fitIsolationForest(small, { nEstimators: 2 }).psi).toBe(100)
    const m64 = fitIsolationForest(X, { nEstimators: 10, maxSamples: 64 })
    for (const t of m64.trees) {
      expect(t.size[0]).toBe(64)
      expect(Math.max(...t.depth)).toBeLessThanOrEqual(6)
    }
  })

  it('keeps trees consistent: children partition their parent', () => {
    for (const t of model.trees.slice(0, 10)) {
      for (let i = 0; i < t.left.length; i++) {
        if (t.left[i] < 0) {
          expect(t.right[i]).toBe(-1)
          expect(t.feature[i]).toBe(-1)
          continue
        }
        expect(t.size[t.left[i]] + t.size[t.right[i]]).toBe(t.size[i])
        expect(t.size[t.left[i]]).toBeGreaterThan(0)
        expect(t.size[t.right[i]]).toBeGreaterThan(0)
        expect(t.depth[t.left[i]]).toBe(t.depth[i] + 1)
      }
    }
  })

  it('honours maxFeatures: each tree splits only on its own feature subset', () => {
    const half = fitIsolationForest(X, { nEstimators: 20, maxFeatures: 0.5, seed: 1 })
    expect(half.maxFeaturesUsed).toBe(2)
    const subsets = new Set<string>()
    for (const t of half.trees) {
      expect(t.features.length).toBe(2)
      subsets.add(Array.from(t.features).join(','))
      for (const f of t.feature) if (f >= 0) expect(Array.from(t.features)).toContain(f)
    }
    expect(subsets.size).toBeGreaterThan(1)
    expect(fitIsolationForest(X, { nEstimators: 2, maxFeatures: 3 }).trees[0].features.length).toBe(3)
    expect(() => fitIsolationForest(X, { nEstimators: 2, maxFeatures: 5 })).toThrow(/maxFeatures/)
  })

  it('honours bootstrap: duplicated samples end in unsplittable leaves', () => {
    // 64 distinct 1-D points, psi = 64: without bootstrap every leaf above the height limit
    // holds one point; drawing with replacement yields duplicates that cannot be separated.
    const data = Float32Array.from({ length: 64 }, (_, i) => i)
    const X1 = { data, rows: 64, cols: 1 }
    const shallowMulti = (m: IsolationForestModel) =>
      m.trees.some((t) => t.left.some((l, i) => l < 0 && t.size[i] > 1 && t.depth[i] < m.heightLimit))
    const plain = fitIsolationForest(X1, { nEstimators: 30, maxSamples: 64, seed: 2 })
    const boot = fitIsolationForest(X1, { nEstimators: 30, maxSamples: 64, bootstrap: true, seed: 2 })
    expect(shallowMulti(plain)).toBe(false)
    expect(shallowMulti(boot)).toBe(true)
    for (const t of boot.trees) expect(t.size[0]).toBe(64)
  })

  it('sets the threshold from contamination on the training scores', () => {
    const G = gaussian(1000, 3, 7)
    const m = fitIsolationForest(G, { contamination: 0.1, seed: 1 })
    const s = scoreSamples(m, G)
    const flagged = s.filter((v) => v >= m.threshold).length
    expect(flagged).toBeGreaterThanOrEqual(98)
    expect(flagged).toBeLessThanOrEqual(102)
    expect(fitIsolationForest(G, { nEstimators: 5 }).threshold).toBe(0.5)
  })

  it('round-trips through JSON exactly', () => {
    const json = JSON.parse(JSON.stringify(toJSON(model)))
    const back = fromJSON(json)
    expect(back.threshold).toBe(model.threshold)
    expect(back.psi).toBe(model.psi)
    expect(back.params).toEqual(model.params)
    expect(scoreSamples(back, X)).toEqual(scores)
    expect(() => fromJSON({ ...json, format: 'other' })).toThrow()
  })

  it('scores trees whose nodes are laid out in any order the same way', () => {
    // Renumber every node but the root in reverse, so right children no longer follow left ones.
    const json = toJSON(model)
    const t = json.trees[0]
    const n = t.feature.length
    const id = (i: number) => (i <= 0 ? i : n - i)
    const perm = <T>(arr: T[], map: (v: T) => T) => {
      const out = new Array<T>(n)
      arr.forEach((v, i) => (out[id(i)] = map(v)))
      return out
    }
    json.trees[0] = {
      ...t,
      feature: perm(t.feature, (v) => v),
      threshold: perm(t.threshold, (v) => v),
      left: perm(t.left, id),
      right: perm(t.right, id),
      size: perm(t.size, (v) => v),
      depth: perm(t.depth, (v) => v)
    }
    expect(json.trees[0].right[0]).not.toBe(json.trees[0].left[0] + 1)
    expect(scoreSamples(fromJSON(json), X)).toEqual(scores)
  })

  it('reports progress and stops when asked', () => {
    const seen: number[] = []
    fitIsolationForest(X, { nEstimators: 5 }, (done, total) => {
      expect(total).toBe(5)
      seen.push(done)
    })
    expect(seen).toEqual([1, 2, 3, 4, 5])
    let calls = 0
    let err: unknown
    try {
      fitIsolationForest(X, { nEstimators: 50 }, undefined, () => ++calls > 3)
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(CancelledError)
  })

  it('validates params and data', () => {
    expect(iforestParamsSchema.parse({})).toEqual({
      nEstimators: 100,
      maxSamples: 'auto',
      contamination: 'auto',
      maxFeatures: 1,
      bootstrap: false,
      seed: 0,
      // How the trial decides: unsupervised, the contamination threshold, no smoothing.
      trainingMode: 'unsupervised',
      postprocess: { kind: 'none' }
    })
    expect(() => fitIsolationForest(X, { maxSamples: 1.5 })).toThrow(/maxSamples/)
    expect(() => fitIsolationForest(X, { contamination: 0.6 })).toThrow(/contamination/)
    expect(() => fitIsolationForest(X, { nEstimators: 0 })).toThrow()
    expect(() => fitIsolationForest(X, { n_estimators: 10 })).toThrow(/n_estimators/)
    expect(() => scoreSamples(model, gaussian(3, 2, 1))).toThrow(/features/)
  })
})

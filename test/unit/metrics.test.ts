import { describe, expect, it } from 'vitest'
import {
  averagePrecision,
  confusionMatrix,
  evaluateScores,
  prCurve,
  rates,
  recallByType,
  rocAuc,
  rocCurve,
  scoreHistogram
} from '../../src-main/core/eval/metrics'
import { createRng } from '../../src-main/core/data/rng'

const u8 = (xs: number[]) => Uint8Array.from(xs)
const f64 = (xs: number[]) => Float64Array.from(xs)

describe('confusion matrix and rates', () => {
  it('matches a hand-computed case', () => {
    const cm = confusionMatrix(u8([1, 1, 0, 0, 1, 0]), u8([1, 0, 0, 1, 1, 0]))
    expect(cm).toEqual({ tn: 2, fp: 1, fn: 1, tp: 2 })
    const r = rates(cm)
    expect(r.accuracy).toBeCloseTo(4 / 6, 12)
    expect(r.precision).toBeCloseTo(2 / 3, 12)
    expect(r.recall).toBeCloseTo(2 / 3, 12)
    expect(r.f1).toBeCloseTo(2 / 3, 12)
    expect(r.fpr).toBeCloseTo(1 / 3, 12)
    expect(r.specificity).toBeCloseTo(2 / 3, 12)
    expect(r.fnr).toBeCloseTo(1 / 3, 12)
  })

  it('reports 0 where a denominator is 0', () => {
    const r = rates(confusionMatrix(u8([0, 0, 0]), u8([0, 0, 0])))
    expect(r.precision).toBe(0)
    expect(r.recall).toBe(0)
    expect(r.f1).toBe(0)
    expect(r.fnr).toBe(0)
    expect(r.accuracy).toBe(1)
    expect(r.specificity).toBe(1)
    expect(rates({ tn: 0, fp: 0, fn: 0, tp: 0 }).accuracy).toBe(0)
  })

  it('rejects mismatched lengths', () => {
    expect(() => confusionMatrix(u8([1]), u8([1, 0]))).toThrow(/lengths/)
  })
})

describe('ROC AUC and average precision', () => {
  it('matches sklearn on a small case', () => {
    const y = u8([0, 0, 1, 1])
    const s = f64([0.1, 0.4, 0.35, 0.8])
    expect(rocAuc(y, s)).toBeCloseTo(0.75, 12)
    expect(averagePrecision(y, s)).toBeCloseTo(5 / 6, 12)
  })

  it('handles ties as sklearn does', () => {
    // 0.9 (pos), then a tie at 0.5 between a positive and a negative, then 0.2 (neg)
    const y = u8([0, 1, 0, 1])
    const s = f64([0.5, 0.5, 0.2, 0.9])
    expect(rocAuc(y, s)).toBeCloseTo(0.875, 12)
    expect(averagePrecision(y, s)).toBeCloseTo(0.5 + 0.5 * (2 / 3), 12)
    // all scores tied: a coin flip
    expect(rocAuc(u8([0, 1, 0, 1]), f64([1, 1, 1, 1]))).toBeCloseTo(0.5, 12)
    expect(averagePrecision(u8([0, 1, 0, 1]), f64([1, 1, 1, 1]))).toBeCloseTo(0.5, 12)
  })

  it('equals the Mann-Whitney statistic on random tied data', () => {
    const rng = createRng(4)
    const n = 300
    const y = new Uint8Array(n)
    const s = new Float32Array(n)
    for (let i = 0; i < n; i++) {
      y[i] = rng.uniform() < 0.3 ? 1 : 0
      s[i] = Math.round((rng.uniform() + 0.3 * y[i]) * 10) / 10
    }
    let wins = 0
    let pairs = 0
    for (let i = 0; i < n; i++) {
      if (!y[i]) continue
      for (let j = 0; j < n; j++) {
        if (y[j]) continue
        pairs++
        wins += s[i] > s[j] ? 1 : s[i] === s[j] ? 0.5 : 0
      }
    }
    expect(rocAuc(y, s)).toBeCloseTo(wins / pairs, 12)
  })

  it('handles one-class data', () => {
    expect(Number.isNaN(rocAuc(u8([0, 0]), f64([0.1, 0.2])))).toBe(true)
    expect(Number.isNaN(rocAuc(u8([1, 1]), f64([0.1, 0.2])))).toBe(true)
    expect(averagePrecision(u8([0, 0]), f64([0.1, 0.2]))).toBe(0)
    expect(averagePrecision(u8([1, 1]), f64([0.1, 0.2]))).toBe(1)
  })
})

describe('curves and histogram', () => {
  const rng = createRng(2)
  const n = 2000
  const y = new Uint8Array(n)
  const s = new Float64Array(n)
  for (let i = 0; i < n; i++) {
    y[i] = rng.uniform() < 0.1 ? 1 : 0
    s[i] = rng.normal() + 2 * y[i]
  }

  it('rocCurve runs from (0,0) to (1,1), monotone, downsampled', () => {
    const c = rocCurve(y, s, 50)
    expect(c.fpr.length).toBeLessThanOrEqual(50)
    expect(c.fpr.length).toBe(c.tpr.length)
    expect(c.thresholds.length).toBe(c.tpr.length)
    expect([c.fpr[0], c.tpr[0]]).toEqual([0, 0])
    expect([c.fpr.at(-1), c.tpr.at(-1)]).toEqual([1, 1])
    for (let k = 1; k < c.fpr.length; k++) {
      expect(c.fpr[k]).toBeGreaterThanOrEqual(c.fpr[k - 1])
      expect(c.tpr[k]).toBeGreaterThanOrEqual(c.tpr[k - 1])
      expect(c.thresholds[k]).toBeLessThan(c.thresholds[k - 1])
    }
    const full = rocCurve(y, s, 1e9)
    expect(full.fpr.length).toBe(n + 1)
  })

  it('prCurve starts at recall 0 and ends at recall 1 with precision = prevalence', () => {
    const c = prCurve(y, s, 60)
    expect(c.recall.length).toBeLessThanOrEqual(60)
    expect(c.recall[0]).toBe(0)
    expect(c.recall.at(-1)).toBe(1)
    const prevalence = y.reduce((a, b) => a + b, 0) / n
    expect(c.precision.at(-1)).toBeCloseTo(prevalence, 12)
  })

  it('scoreHistogram counts every score once per class', () => {
    const h = scoreHistogram(y, s, 40)
    expect(h.edges.length).toBe(41)
    expect(h.normal.length).toBe(40)
    const pos = y.reduce((a, b) => a + b, 0)
    expect(h.anomalous.reduce((a, b) => a + b, 0)).toBe(pos)
    expect(h.normal.reduce((a, b) => a + b, 0)).toBe(n - pos)
    const fixed = scoreHistogram(u8([0, 1, 0]), f64([0, 0.5, 1]), 2, [0, 1])
    expect(fixed).toEqual({ edges: [0, 0.5, 1], normal: [1, 1], anomalous: [0, 1] })
  })
})

describe('recallByType and evaluateScores', () => {
  it('counts detections per type', () => {
    const r = recallByType(u8([1, 1, 1, 0, 1]), u8([1, 0, 1, 1, 0]), u8([1, 1, 2, 0, 2]), ['a', 'b', 'c'])
    expect(r).toEqual({
      a: { total: 2, detected: 1, recall: 0.5 },
      b: { total: 2, detected: 1, recall: 0.5 },
      c: { total: 0, detected: 0, recall: 0 }
    })
  })

  it('flags score >= threshold and fills the report', () => {
    const y = u8([0, 0, 1, 1])
    const s = f64([0.1, 0.4, 0.35, 0.8])
    const r = evaluateScores(y, s, 0.35)
    expect(r.confusion).toEqual({ tn: 1, fp: 1, fn: 0, tp: 2 })
    expect(r.precision).toBeCloseTo(2 / 3, 12)
    expect(r.recall).toBe(1)
    expect(r.rocAuc).toBeCloseTo(0.75, 12)
    expect(r.averagePrecision).toBeCloseTo(5 / 6, 12)
    expect(r.support).toEqual({ normal: 2, anomalous: 2 })
    expect(r.threshold).toBe(0.35)
  })
})

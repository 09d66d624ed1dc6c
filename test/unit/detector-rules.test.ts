import { describe, it, expect } from 'vitest'
import { postprocessScores, thresholdByRule, quantile } from '../../src-main/core/eval/detector-rules'

const series = (segments: [number, number][]) => ({
  name: 's',
  timestamps: new Float64Array(segments[segments.length - 1][1]),
  segments: segments.map(([start, end], i) => ({ id: `s${i}`, start, end }))
})

describe('detector rules', () => {
  it('k consecutive windows: the minimum of the last k scores, never reaching across a segment boundary', () => {
    const s = series([
      [0, 5],
      [5, 10]
    ])
    const starts = Int32Array.from({ length: 10 }, (_, i) => i)
    const scores = [0.9, 0.9, 0.1, 0.9, 0.9, 0.9, 0.9, 0.9, 0.2, 0.9]
    const out = Array.from(postprocessScores(scores, starts, s, { kind: 'consecutive', k: 2 }))
    // Row 5 starts a new segment: it sees only itself, not row 4.
    expect(out.map((x) => +x.toFixed(2))).toEqual([0.9, 0.9, 0.1, 0.1, 0.9, 0.9, 0.9, 0.9, 0.2, 0.2])
  })

  it('the rolling (lower) median commutes with an increasing map, so a bundle may smooth its mapped score', () => {
    const s = series([[0, 8]])
    const starts = Int32Array.from({ length: 8 }, (_, i) => i)
    const errors = [0.5, 2, 0.1, 3, 0.7, 0.2, 4, 1]
    const map = (e: number) => 1 - Math.exp(-0.8 * e)
    const a = postprocessScores(errors.map(map), starts, s, { kind: 'rolling-median', k: 4 })
    const b = postprocessScores(errors, starts, s, { kind: 'rolling-median', k: 4 })
    for (let i = 0; i < 8; i++) expect(a[i]).toBeCloseTo(map(b[i]), 6)
  })

  it('threshold rules read the split they name, in the training mode asked', () => {
    const train = { scores: Float64Array.from({ length: 101 }, (_, i) => i), labels: new Uint8Array(101) }
    train.labels[100] = 1
    const validation = { scores: [1, 2, 3, 10], labels: Uint8Array.of(0, 0, 0, 1) }
    expect(thresholdByRule({ kind: 'train-quantile', quantile: 0.9, factor: 2 }, { mode: 'unsupervised', train, validation }).threshold).toBe(180)
    // normal-only drops the labelled row (100) first: q0.9 of 0..99.
    expect(thresholdByRule({ kind: 'train-quantile', quantile: 0.9, factor: 1 }, { mode: 'normal-only', train, validation }).threshold).toBeCloseTo(quantile(Float64Array.from({ length: 100 }, (_, i) => i), 0.9), 12)
    expect(thresholdByRule({ kind: 'contamination', rate: 0.1 }, { mode: 'unsupervised', train, validation }).threshold).toBe(90)
    expect(thresholdByRule({ kind: 'validation-percentile', percentile: 50 }, { mode: 'normal-only', train, validation }).threshold).toBe(2)
    expect(thresholdByRule({ kind: 'best-f1' }, { mode: 'unsupervised', train, validation }).threshold).toBe(10)
    expect(() => thresholdByRule({ kind: 'best-f1' }, { mode: 'unsupervised', train, validation: { scores: [1, 2], labels: Uint8Array.of(0, 0) } })).toThrow(/needs labelled anomalies/)
    expect(() => thresholdByRule({ kind: 'validation-percentile', percentile: 95 }, { mode: 'unsupervised', train, validation: null })).toThrow(/no validation part/)
  })
})

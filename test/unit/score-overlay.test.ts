/**
 * The dataset editor's run overlay (src-renderer/src/lib/score-overlay.ts): window scores mapped
 * to rows through their first rows, flagged windows merged into row spans, and the score track
 * downsampled to the highest score per bucket.
 */
import { describe, expect, it } from 'vitest'
import { buildOverlay, flaggedSpans, scoreBuckets, spansIn } from '../../src-renderer/src/lib/score-overlay'

describe('score overlay', () => {
  it('puts each window score on its last row and merges splits in row order', () => {
    const o = buildOverlay([
      // a time split's test part (rows 10..) and validation part (rows 0..), stored separately
      { starts: Int32Array.of(10, 11), scores: Float32Array.of(0.4, 0.8), windowLength: 3 },
      { starts: Int32Array.of(0, 1, 2), scores: Float32Array.of(0.1, NaN, 0.3), windowLength: 3 }
    ])
    expect(Array.from(o.endRow)).toEqual([2, 3, 4, 12, 13])
    expect(Array.from(o.startRow)).toEqual([0, 1, 2, 10, 11])
    expect(Array.from(o.score).map((v) => (Number.isNaN(v) ? 'NaN' : Number(v.toFixed(2))))).toEqual([0.1, 'NaN', 0.3, 0.4, 0.8])
    expect(o.lo).toBeCloseTo(0.1)
    expect(o.hi).toBeCloseTo(0.8)
  })

  it('refuses scores without their window starts', () => {
    expect(() => buildOverlay([{ starts: Int32Array.of(0), scores: Float32Array.of(1, 2), windowLength: 1 }])).toThrow(/2 scores but 1 window starts/)
  })

  it('shades the rows flagged windows cover, overlapping windows merged, NaN never flagged', () => {
    const o = buildOverlay([{ starts: Int32Array.of(0, 1, 5, 9, 20), scores: Float32Array.of(0.9, 0.8, 0.1, 0.7, NaN), windowLength: 2 }])
    const spans = flaggedSpans(o, 0.5)
    expect(Array.from(spans.start)).toEqual([0, 9])
    expect(Array.from(spans.end)).toEqual([3, 11])
    // Flagged exactly at the threshold (score >= threshold); scores are float32.
    expect(Array.from(flaggedSpans(o, Math.fround(0.7)).start)).toEqual([0, 9])
    expect(Array.from(flaggedSpans(o, 0.71).start)).toEqual([0])
    expect(flaggedSpans(o, 2).start.length).toBe(0)
  })

  it('finds the spans meeting a view', () => {
    const spans = { start: Int32Array.of(0, 10, 20), end: Int32Array.of(5, 15, 25) }
    expect(spansIn(spans, { from: 12, to: 21 })).toEqual([1, 3])
    expect(spansIn(spans, { from: 5, to: 10 })).toEqual([1, 1])
    expect(spansIn(spans, { from: 30, to: 40 })).toEqual([3, 3])
  })

  it('keeps the highest score per bucket, so a one-window spike shows at any zoom', () => {
    const n = 1000
    const scores = new Float32Array(n).fill(0.1)
    scores[637] = 0.95
    const o = buildOverlay([{ starts: Int32Array.from({ length: n }, (_, i) => i), scores, windowLength: 1 }])
    const b = scoreBuckets(o, { from: 0, to: n }, 10)
    expect(b.row).toEqual([0, 100, 200, 300, 400, 500, 600, 700, 800, 900])
    expect(b.max.map((v) => Number(v.toFixed(2)))).toEqual([0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.95, 0.1, 0.1, 0.1])
    // Zoomed in on rows 630-640: one bucket per row.
    const z = scoreBuckets(o, { from: 630, to: 640 }, 100)
    expect(z.row).toEqual([630, 631, 632, 633, 634, 635, 636, 637, 638, 639])
    expect(z.max[7]).toBeCloseTo(0.95)
  })

  it('leaves buckets without a window out (the track breaks there)', () => {
    const o = buildOverlay([{ starts: Int32Array.of(0, 1, 8, 9), scores: Float32Array.of(1, 4, 2, 3), windowLength: 1 }])
    expect(scoreBuckets(o, { from: 0, to: 10 }, 5)).toEqual({ row: [0, 8], max: [4, 3] })
  })
})

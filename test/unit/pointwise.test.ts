import { describe, it, expect } from 'vitest'
import { rowScores, pointMetrics } from '../../src-main/core/eval/pointwise'

describe('point-wise evaluation', () => {
  // Rows 10..19 of a version, windows of 3 starting at 10..17 (one segment).
  const starts = Int32Array.from({ length: 8 }, (_, i) => 10 + i)
  const scores = Float32Array.from([0.1, 0.2, 0.9, 0.3, 0.1, 0.8, 0.8, 0.1])

  it("'last' gives each row the score of the window ending on it; the first window-1 rows have none", () => {
    const rs = rowScores(starts, 3, scores, 'last')
    expect(Array.from(rs.rows)).toEqual([10, 11, 12, 13, 14, 15, 16, 17, 18, 19])
    expect(Array.from(rs.scores).slice(0, 2).every(Number.isNaN)).toBe(true)
    expect(Array.from(rs.scores).slice(2)).toEqual(Array.from(scores))
  })

  it("'max' gives each row the highest score of the windows covering it", () => {
    const rs = rowScores(starts, 3, scores, 'max')
    // Row 13 is covered by windows starting 11, 12, 13: max(0.2, 0.9, 0.3).
    expect(rs.scores[3]).toBeCloseTo(0.9, 6)
    expect(rs.scores[0]).toBeCloseTo(0.1, 6)
    expect(rs.scores[9]).toBeCloseTo(0.1, 6)
  })

  it('counts rows without a score apart, and events as runs of labelled rows', () => {
    const labels = new Uint8Array(30)
    for (const r of [13, 14, 19]) labels[r] = 1
    const rs = rowScores(starts, 3, scores, 'last')
    const m = pointMetrics(rs, labels, 0.5, 'last')
    // Scored rows 12..19 with scores 0.1 0.2 0.9 0.3 0.1 0.8 0.8 0.1; flagged: 14, 17, 18.
    expect(m).toMatchObject({ rows: 10, scored: 8, unscored: 2, confusion: { tp: 1, fn: 2, fp: 2, tn: 3 } })
    // Episodes: rows 13-14 (caught at 14), row 19 (missed).
    expect(m.events).toEqual({ episodes: 2, caught: 1, recall: 0.5 })
    expect(m.missedAlarmRate).toBeCloseTo(2 / 3, 12)
    expect(m.falseAlarmRate).toBeCloseTo(2 / 5, 12)
  })
})

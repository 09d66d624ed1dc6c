import { describe, it, expect } from 'vitest'
import { downsampleWindow } from '../../src-main/core/data/downsample'
import { labelRanges } from '../../src-main/core/data/label-ranges'
import { columnStats, columnHistograms } from '../../src-main/core/data/column-stats'
import { applyLabelEdits, describeEdits } from '../../src-main/core/data/label-edits'
import type { LabelledSeries } from '../../src-main/core/data/series'

function series(): LabelledSeries {
  const n = 100
  const v = Float32Array.from({ length: n }, (_, i) => Math.sin(i / 5))
  v[42] = 50 // a one-row spike
  v[7] = NaN
  const labels = new Uint8Array(n)
  const types = new Uint8Array(n)
  labels.fill(1, 40, 45)
  types.fill(1, 40, 43)
  types.fill(2, 43, 45)
  labels.fill(1, 90, 92)
  types.fill(1, 90, 92)
  return {
    name: 's',
    intervalMs: 60_000,
    timestamps: Float64Array.from({ length: n }, (_, i) => i * 60_000),
    columns: ['a', 'b'],
    values: [v, Float32Array.from({ length: n }, (_, i) => i)],
    labels,
    anomalyTypeNames: ['spike', 'drop'],
    anomalyType: types
  }
}

describe('downsampleWindow', () => {
  it('keeps a one-row spike in its bucket max and covers every row once', () => {
    const w = downsampleWindow(series(), { from: 0, to: 100, buckets: 10 })
    expect(w.start).toEqual([0, 10, 20, 30, 40, 50, 60, 70, 80, 90])
    expect(w.columns[0].max[4]).toBe(50)
    expect(w.columns[1].min).toEqual([0, 10, 20, 30, 40, 50, 60, 70, 80, 90])
    expect(w.columns[1].max).toEqual([9, 19, 29, 39, 49, 59, 69, 79, 89, 99])
    expect(w.anomalous[4]).toBeCloseTo(0.5)
    expect(w.type[4]).toBe(1)
    expect(w.type[9]).toBe(1)
    expect(w.type[0]).toBe(0)
  })

  it('returns raw rows when the window is smaller than the buckets asked', () => {
    const w = downsampleWindow(series(), { from: 40, to: 46, buckets: 1000, columns: ['b'] })
    expect(w.start).toEqual([40, 41, 42, 43, 44, 45])
    expect(w.columns).toHaveLength(1)
    expect(w.columns[0].min).toEqual(w.columns[0].max)
  })

  it('names an unknown column', () => {
    expect(() => downsampleWindow(series(), { from: 0, to: 10, buckets: 5, columns: ['zz'] })).toThrow(/unknown column 'zz'/)
  })
})

describe('labelRanges', () => {
  it('splits runs by type and by segment', () => {
    const s = series()
    expect(labelRanges(s).map((r) => [r.start, r.end, r.type])).toEqual([
      [40, 43, 'spike'],
      [43, 45, 'drop'],
      [90, 92, 'spike']
    ])
    s.segments = [
      { id: 'p', start: 0, end: 91 },
      { id: 'q', start: 91, end: 100 }
    ]
    expect(labelRanges(s).slice(2).map((r) => [r.start, r.end, r.segment])).toEqual([
      [90, 91, 'p'],
      [91, 92, 'q']
    ])
  })
})

describe('column stats and histograms', () => {
  it('counts missing cells and splits means by label', () => {
    const [a, b] = columnStats(series())
    expect(a.missing).toBe(1)
    expect(a.max).toBe(50)
    expect(b.mean).toBeCloseTo(49.5)
    expect(b.meanAnomalous).toBeCloseTo((40 + 41 + 42 + 43 + 44 + 90 + 91) / 7)
  })

  it('histograms count every finite row once', () => {
    const [h] = columnHistograms(series(), 10)
    const total = h.normal.reduce((x, y) => x + y, 0) + h.anomalous.reduce((x, y) => x + y, 0)
    expect(total).toBe(99)
    expect(h.anomalous.reduce((x, y) => x + y, 0)).toBe(7)
    expect(h.edges).toHaveLength(11)
  })
})

describe('label edits', () => {
  it('applies in order to copies, adding new types', () => {
    const s = series()
    const out = applyLabelEdits(s, [
      { start: 0, end: 5, label: 1, type: 'manual' },
      { start: 40, end: 45, label: 0 },
      { start: 2, end: 3, label: 0 }
    ])
    expect(Array.from(out.labels.subarray(0, 6))).toEqual([1, 1, 0, 1, 1, 0])
    expect(out.anomalyTypeNames).toEqual(['spike', 'drop', 'manual'])
    expect(out.anomalyType[0]).toBe(3)
    expect(out.labels[42]).toBe(0)
    expect(s.labels[42]).toBe(1) // the original version is untouched
    expect(describeEdits([{ start: 0, end: 5, label: 1 }, { start: 7, end: 8, label: 0 }])).toBe('labelled 1 range, cleared 1 range (6 rows)')
  })

  it('refuses ranges outside the data', () => {
    expect(() => applyLabelEdits(series(), [{ start: 95, end: 101, label: 1 }])).toThrow(/edits\.0: rows \[95, 101\)/)
  })
})

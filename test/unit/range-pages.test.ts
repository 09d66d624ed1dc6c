/**
 * The editor's heavy views, bounded: labelled ranges served a page at a time from a typed-array
 * index (a million ranges never become a million objects at once), and histograms whose
 * percentiles come from a selection instead of a sort, with the same result.
 */
import { describe, it, expect } from 'vitest'
import { labelRangeIndex, labelRanges, rangePage } from '../../src-main/core/data/label-ranges'
import { columnHistograms, kthSmallest } from '../../src-main/core/data/column-stats'
import { generateScenario } from '../../src-main/core/data/scenarios'
import type { LabelledSeries } from '../../src-main/core/data/series'
import { createRng } from '../../src-main/core/data/rng'

function alternating(rows: number): LabelledSeries {
  const labels = new Uint8Array(rows)
  for (let i = 0; i < rows; i += 2) labels[i] = 1
  return {
    name: 'alt',
    intervalMs: 1,
    timestamps: Float64Array.from({ length: rows }, (_, i) => i),
    columns: ['x'],
    values: [new Float32Array(rows)],
    labels,
    anomalyTypeNames: [],
    anomalyType: new Uint8Array(rows)
  }
}

describe('range pages', () => {
  it('a page of a million ranges holds the page, the total and stable indices', () => {
    const s = alternating(2_000_000)
    const index = labelRangeIndex(s)
    expect(index.count).toBe(1_000_000)
    const page = rangePage(s, index, { offset: 999_990, limit: 50 })
    expect(page.total).toBe(1_000_000)
    expect(page.ranges).toHaveLength(10)
    expect(page.indices[0]).toBe(999_990)
    expect(page.ranges[0]).toEqual({ start: 1_999_980, end: 1_999_981, startTime: 1_999_980, endTime: 1_999_980, type: null, segment: 'alt' })
    expect(page.types).toEqual([{ type: null, count: 1_000_000 }])
    expect(JSON.stringify(page).length).toBeLessThan(10_000)
  })

  it('pages and type filters agree with the full list', () => {
    const s = generateScenario('helios-detection', { days: 7, seed: 4 })
    const all = labelRanges(s)
    const index = labelRangeIndex(s)
    const pages = []
    for (let offset = 0; offset < all.length; offset += 7) pages.push(...rangePage(s, index, { offset, limit: 7 }).ranges)
    expect(pages).toEqual(all)
    const type = s.anomalyTypeNames[1]
    const filtered = rangePage(s, index, { offset: 1, limit: 1000, type })
    const ofType = all.filter((r) => r.type === type)
    expect(filtered.total).toBe(ofType.length)
    expect(filtered.ranges).toEqual(ofType.slice(1))
    expect(filtered.indices.map((k) => all[k])).toEqual(ofType.slice(1))
    expect(filtered.types.reduce((a, t) => a + t.count, 0)).toBe(all.length)
    expect(rangePage(s, index, { offset: 0, limit: 5, type: 'no such type' })).toMatchObject({ total: 0, ranges: [] })
  })
})

describe('histograms by selection', () => {
  it('kthSmallest agrees with sorting, with ties and on sorted input', () => {
    const rng = createRng(7)
    for (let t = 0; t < 300; t++) {
      const n = 1 + Math.floor(rng.uniform() * 80)
      const a = Float32Array.from({ length: n }, () => Math.floor(rng.uniform() * (t % 2 ? 4 : 1000)))
      const sorted = a.slice().sort()
      const k = Math.floor(rng.uniform() * n)
      expect(kthSmallest(a.slice(), k)).toBe(sorted[k])
    }
    expect(kthSmallest(Float32Array.from({ length: 1001 }, (_, i) => i), 500)).toBe(500)
  })

  it('gives the histograms a sort-based percentile gives', () => {
    const s = generateScenario('helios-detection', { days: 3, seed: 2 })
    s.values[0][5] = NaN
    s.values[1][9] = Infinity
    const bins = 25
    const reference = s.columns.map((column, j) => {
      const finite = Float32Array.from(s.values[j].filter((x) => Number.isFinite(x))).sort()
      let lo = finite[Math.floor(0.005 * (finite.length - 1))]
      let hi = finite[Math.ceil(0.995 * (finite.length - 1))]
      if (hi <= lo) [lo, hi] = [finite[0], finite[finite.length - 1]]
      if (hi <= lo) hi = lo + 1
      return { column, lo, hi }
    })
    const got = columnHistograms(s, bins)
    got.forEach((h, j) => {
      expect(h.edges[0]).toBe(reference[j].lo)
      expect(h.edges[bins]).toBeCloseTo(reference[j].hi, 9)
      const finite = s.values[j].filter((x) => Number.isFinite(x)).length
      expect(h.normal.reduce((a, b) => a + b, 0) + h.anomalous.reduce((a, b) => a + b, 0)).toBe(finite)
    })
  })
})

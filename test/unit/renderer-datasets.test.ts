import { describe, expect, it } from 'vitest'
import {
  addEdit,
  brushRange,
  bucketPoints,
  clampRange,
  columnExtent,
  covers,
  editedRows,
  editsIn,
  fetchPlan,
  filterSegments,
  formatBytes,
  formatUtc,
  labelSpans,
  normalise,
  pageOf,
  panBy,
  paramFields,
  readParams,
  removeEdit,
  rowTime,
  splitPaths,
  toApiEdits,
  typeColor,
  typeColorByName,
  undoEdit,
  wheelFactor,
  withAlpha,
  withMargin,
  zoomAt,
  type PendingEdit
} from '../../src-renderer/src/lib/dataset-view'
import { parseHash, routeHash } from '../../src-renderer/src/lib/routes'

describe('bucket → chart points', () => {
  it('draws each bucket as its min then its max at the bucket start', () => {
    expect(bucketPoints([0, 10, 20], { min: [1, 4, 2], max: [3, 4, 9] })).toEqual([
      { x: 0, y: 1 },
      { x: 0, y: 3 },
      { x: 10, y: 4 },
      { x: 20, y: 2 },
      { x: 20, y: 9 }
    ])
  })

  it('breaks the line at empty buckets (NaN or null from JSON)', () => {
    const pts = bucketPoints([0, 1, 2], { min: [1, null, NaN], max: [1, null, NaN] })
    expect(pts[0]).toEqual({ x: 0, y: 1 })
    expect(pts[1]!.x).toBe(1)
    expect(Number.isNaN(pts[1]!.y)).toBe(true)
    expect(Number.isNaN(pts[2]!.y)).toBe(true)
  })

  it('maps values through a scale (normalised columns share one axis)', () => {
    const ext = columnExtent({ min: [10, 0, null], max: [20, 5, null] })!
    expect(ext).toEqual({ lo: 0, hi: 20 })
    const pts = bucketPoints([0, 5], { min: [10, 0], max: [20, 5] }, (v) => normalise(v, ext.lo, ext.hi))
    expect(pts.map((p) => p.y)).toEqual([0.5, 1, 0, 0.25])
    expect(normalise(3, 3, 3)).toBe(0.5)
    expect(columnExtent({ min: [NaN], max: [null] })).toBeNull()
  })

  it('merges labelled buckets into shaded spans of one type', () => {
    const spans = labelSpans({ to: 60, start: [0, 10, 20, 30, 40, 50], anomalous: [0, 0.5, 1, 0.2, 0, 1], type: [0, 2, 2, 3, 0, 1] })
    expect(spans).toEqual([
      { from: 10, to: 30, type: 2, peak: 1 },
      { from: 30, to: 40, type: 3, peak: 0.2 },
      { from: 50, to: 60, type: 1, peak: 1 }
    ])
    expect(labelSpans({ to: 10, start: [], anomalous: [], type: [] })).toEqual([])
  })

  it('interpolates a row timestamp from bucket starts', () => {
    const w = { start: [0, 10, 20], time: [0, 600_000, 1_200_000] }
    expect(rowTime(w, 5)).toBe(300_000)
    expect(rowTime(w, 20)).toBe(1_200_000)
    expect(rowTime(w, 25)).toBe(1_500_000)
    expect(rowTime({ start: [], time: [] }, 3)).toBeNull()
  })
})

describe('zoom and pan math', () => {
  const bounds = { from: 0, to: 600_000 }

  it('zooms around the anchor, which keeps its place', () => {
    const v = { from: 0, to: 1000 }
    expect(zoomAt(v, 500, 0.5, { from: 0, to: 1000 })).toEqual({ from: 250, to: 750 })
    const z = zoomAt({ from: 100_000, to: 200_000 }, 120_000, 0.5, bounds)
    expect(z).toEqual({ from: 110_000, to: 160_000 })
    // The anchor sits at the same fraction of the view before and after.
    expect((120_000 - z.from) / (z.to - z.from)).toBeCloseTo(0.2)
  })

  it('stops at the bounds and at the minimum span', () => {
    expect(zoomAt({ from: 0, to: 1000 }, 0, 100, bounds)).toEqual({ from: 0, to: 100_000 })
    expect(zoomAt({ from: 0, to: 1000 }, 0, 1000, bounds)).toEqual(bounds)
    expect(zoomAt({ from: 500_000, to: 600_000 }, 600_000, 4, bounds)).toEqual({ from: 200_000, to: 600_000 })
    const tiny = zoomAt({ from: 100, to: 140 }, 120, 0.01, bounds)
    expect(tiny.to - tiny.from).toBe(20)
    expect(zoomAt({ from: 0, to: 10 }, 5, 0.5, { from: 0, to: 10 })).toEqual({ from: 0, to: 10 })
  })

  it('pans without changing the span, clamped to the segment', () => {
    expect(panBy({ from: 100, to: 200 }, 50, bounds)).toEqual({ from: 150, to: 250 })
    expect(panBy({ from: 100, to: 200 }, -150, bounds)).toEqual({ from: 0, to: 100 })
    expect(panBy({ from: 599_000, to: 600_000 }, 5000, bounds)).toEqual({ from: 599_000, to: 600_000 })
    expect(clampRange({ from: 1000, to: 1010 }, { from: 1000, to: 2000 })).toEqual({ from: 1000, to: 1020 })
  })

  it('widens a clicked range by a margin', () => {
    expect(withMargin({ from: 100, to: 200 }, bounds)).toEqual({ from: 50, to: 250 })
    expect(withMargin({ from: 3, to: 5 }, bounds)).toEqual({ from: 0, to: 22 })
  })

  it('asks for about one bucket per pixel, never more than 2 x width', () => {
    expect(fetchPlan({ from: 1000, to: 2000 }, { from: 0, to: 10_000 }, 800)).toEqual({ from: 750, to: 2250, buckets: 1200 })
    // At the segment's edges the overscan is cut, and so are the buckets.
    expect(fetchPlan({ from: 0, to: 600_000 }, bounds, 1100)).toEqual({ from: 0, to: 600_000, buckets: 1100 })
    for (const view of [{ from: 0, to: 30 }, { from: 5000, to: 5020 }, { from: 0, to: 600_000 }, { from: 12_345, to: 99_999 }]) {
      const p = fetchPlan(view, bounds, 1200)
      expect(p.buckets).toBeLessThanOrEqual(2400)
      expect(p.buckets).toBeGreaterThanOrEqual(10)
      expect(covers(p, view)).toBe(true)
    }
    expect(fetchPlan({ from: 0, to: 100 }, bounds, 3).buckets).toBe(13)
  })

  it('turns a wheel delta into a zoom factor (up = in) and a brush into a row range', () => {
    expect(wheelFactor(-100)).toBeLessThan(1)
    expect(wheelFactor(100)).toBeGreaterThan(1)
    expect(wheelFactor(100) * wheelFactor(-100)).toBeCloseTo(1)
    expect(wheelFactor(-3, 1)).toBeCloseTo(wheelFactor(-99))
    expect(brushRange(120.4, 80.6, { from: 0, to: 1000 })).toEqual({ from: 80, to: 121 })
    expect(brushRange(-5, 3.2, { from: 0, to: 1000 })).toEqual({ from: 0, to: 4 })
    expect(brushRange(2000, 3000, { from: 0, to: 1000 })).toBeNull()
  })
})

describe('pending label edits', () => {
  it('appends, undoes and removes edits, and strips them for the API', () => {
    let edits: PendingEdit[] = []
    edits = addEdit(edits, { start: 0, end: 10, label: 1, type: 'spike' }, 1)
    edits = addEdit(edits, { start: 5, end: 20, label: 0, type: 'ignored' }, 2)
    edits = addEdit(edits, { start: 40, end: 50, label: 1 }, 3)
    expect(edits.map((e) => e.key)).toEqual([1, 2, 3])
    expect(edits[1]).toEqual({ key: 2, start: 5, end: 20, label: 0 })
    expect(toApiEdits(edits)).toEqual([
      { start: 0, end: 10, label: 1, type: 'spike' },
      { start: 5, end: 20, label: 0 },
      { start: 40, end: 50, label: 1 }
    ])
    expect(editedRows(edits)).toBe(30)
    expect(editsIn(edits, { from: 20, to: 41 }).map((e) => e.key)).toEqual([3])
    const undone = undoEdit(edits)
    expect(undone.map((e) => e.key)).toEqual([1, 2])
    expect(edits).toHaveLength(3) // the list is replaced, never mutated
    expect(removeEdit(edits, 1).map((e) => e.key)).toEqual([2, 3])
    expect(undoEdit([])).toEqual([])
    expect(editedRows([])).toBe(0)
  })
})

describe('datasets view helpers', () => {
  it('builds the generate form from defaults and reads back only the changes', () => {
    const defaults = { days: 7, seed: 1, start: '2024-01-01T00:00:00Z', scale: 1, flag: false }
    const fields = paramFields(defaults)
    expect(fields.map((f) => f.kind)).toEqual(['number', 'number', 'text', 'number', 'boolean'])
    expect(readParams(fields, defaults)).toEqual({})
    fields[0]!.value = '14'
    fields[3]!.value = '0.5'
    fields[4]!.value = 'true'
    expect(readParams(fields, defaults)).toEqual({ days: 14, scale: 0.5, flag: true })
    fields[1]!.value = 'x'
    expect(() => readParams(fields, defaults)).toThrow(/seed must be a number/)
  })

  it('splits paths, pages lists, filters segments', () => {
    expect(splitPaths('a.csv\n b.csv , c.csv\n\n')).toEqual(['a.csv', 'b.csv', 'c.csv'])
    expect(pageOf([1, 2, 3, 4, 5], 1, 2)).toEqual({ items: [3, 4], pages: 3, page: 1 })
    expect(pageOf([1, 2, 3], 9, 2)).toEqual({ items: [3], pages: 2, page: 1 })
    expect(pageOf([], 0, 10)).toEqual({ items: [], pages: 1, page: 0 })
    const segs = Array.from({ length: 10_000 }, (_, i) => ({ id: `entity-${i}` }))
    expect(filterSegments(segs, 'entity-99', 5)).toEqual({ indices: [99, 990, 991, 992, 993], total: 111 })
    expect(filterSegments(segs, '', 3).total).toBe(10_000)
  })

  it('colours types stably and formats bytes and UTC times', () => {
    expect(typeColor(1)).toBe('#c0262d')
    expect(typeColorByName('spike', ['drop', 'spike'])).toBe(typeColor(2))
    expect(typeColorByName('new', ['drop', 'spike'], ['new'])).toBe(typeColor(3))
    expect(withAlpha('#ff0000', 0.5)).toBe('rgba(255, 0, 0, 0.5)')
    expect(formatBytes(1536)).toBe('1.5 KiB')
    expect(formatBytes(512)).toBe('512 B')
    expect(formatUtc(Date.UTC(2024, 0, 2, 3, 4))).toBe('2024-01-02 03:04')
  })

  it('routes the datasets pages', () => {
    expect(parseHash('#/datasets')).toEqual({ name: 'datasets' })
    expect(parseHash('#/datasets/3f2a9c0d')).toEqual({ name: 'dataset', id: '3f2a9c0d' })
    expect(parseHash('#/datasets/xyz')).toEqual({ name: 'not-found', path: '/datasets/xyz' })
    for (const h of ['#/datasets', '#/datasets/abcdef0123']) expect(routeHash(parseHash(h))).toBe(h)
  })
})

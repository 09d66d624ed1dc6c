import { describe, it, expect } from 'vitest'
import { splitSeries, selectRanges } from '../../src-main/core/data/splits'
import type { LabelledSeries } from '../../src-main/core/data/series'

/** Three entities of 10 rows each; value = global row index, so every row is traceable. */
function panel(): LabelledSeries {
  const n = 30
  const ts = new Float64Array(n)
  for (let i = 0; i < n; i++) ts[i] = (i % 10) * 1000
  const v = Float32Array.from({ length: n }, (_, i) => i)
  const labels = Uint8Array.from({ length: n }, (_, i) => (i % 10 === 9 ? 1 : 0))
  return {
    name: 'panel',
    intervalMs: 1000,
    timestamps: ts,
    columns: ['x'],
    values: [v],
    labels,
    anomalyTypeNames: ['late'],
    anomalyType: Uint8Array.from(labels),
    segments: [
      { id: 'A', start: 0, end: 10 },
      { id: 'B', start: 10, end: 20 },
      { id: 'C', start: 20, end: 30 }
    ],
    targets: { risk: Uint8Array.from(labels) }
  }
}

const rows = (s: LabelledSeries) => Array.from(s.values[0])

describe('splits', () => {
  it('time: the first fraction of every segment trains, in order', () => {
    const { train, validation, test } = splitSeries(panel(), { kind: 'time', trainFraction: 0.6, validationFraction: 0.2 })
    expect(rows(train)).toEqual([0, 1, 2, 3, 4, 5, 10, 11, 12, 13, 14, 15, 20, 21, 22, 23, 24, 25])
    expect(rows(validation!)).toEqual([6, 7, 16, 17, 26, 27])
    expect(rows(test)).toEqual([8, 9, 18, 19, 28, 29])
    // Each part remembers where its segments start in the stored version (scores trace back).
    expect(test.segments).toEqual([
      { id: 'A', start: 0, end: 2, origin: 8 },
      { id: 'B', start: 2, end: 4, origin: 18 },
      { id: 'C', start: 4, end: 6, origin: 28 }
    ])
    expect(Array.from(test.targets!.risk)).toEqual([0, 1, 0, 1, 0, 1])
  })

  it('entity: whole entities, seeded, none in two parts', () => {
    const a = splitSeries(panel(), { kind: 'entity', trainFraction: 0.67, seed: 4, validationShare: 0 })
    const b = splitSeries(panel(), { kind: 'entity', trainFraction: 0.67, seed: 4, validationShare: 0 })
    expect(a.train.segments!.map((s) => s.id)).toEqual(b.train.segments!.map((s) => s.id))
    const trainIds = a.train.segments!.map((s) => s.id)
    const testIds = a.test.segments!.map((s) => s.id)
    expect(trainIds).toHaveLength(2)
    expect(testIds).toHaveLength(1)
    expect(trainIds.filter((id) => testIds.includes(id))).toEqual([])
    expect(a.test.timestamps.length).toBe(10)
  })

  it('file: named segments test; unknown names are refused', () => {
    const { train, test } = splitSeries(panel(), { kind: 'file', test: ['B'] })
    expect(rows(test)).toEqual([10, 11, 12, 13, 14, 15, 16, 17, 18, 19])
    expect(train.segments!.map((s) => s.id)).toEqual(['A', 'C'])
    expect(() => splitSeries(panel(), { kind: 'file', test: ['Z'] })).toThrow(/no segment 'Z'/)
  })

  it('first-rows: the first N rows of each file train', () => {
    const { train, test } = splitSeries(panel(), { kind: 'first-rows', trainRows: 7, validationShare: 0 })
    expect(train.timestamps.length).toBe(21)
    expect(rows(test)).toEqual([7, 8, 9, 17, 18, 19, 27, 28, 29])
  })

  it('refuses splits that leave a part empty', () => {
    expect(() => splitSeries(panel(), { kind: 'first-rows', trainRows: 10 })).toThrow(/leaves 0 rows for test/)
  })

  it('selectRanges copies rows and makes each range a segment', () => {
    const s = selectRanges(panel(), [{ id: 'x', start: 3, end: 5 }, { id: 'y', start: 25, end: 27 }], 'sel')
    expect(rows(s)).toEqual([3, 4, 25, 26])
    expect(s.segments).toEqual([
      { id: 'x', start: 0, end: 2, origin: 3 },
      { id: 'y', start: 2, end: 4, origin: 25 }
    ])
  })

  it('a split that names no validation part holds out the last 15 % of each training segment', () => {
    const { train, validation, test } = splitSeries(panel(), { kind: 'first-rows', trainRows: 7 })
    // 7 training rows per file: floor(7 x 0.15) = 1 validates.
    expect(rows(train)).toEqual([0, 1, 2, 3, 4, 5, 10, 11, 12, 13, 14, 15, 20, 21, 22, 23, 24, 25])
    expect(rows(validation!)).toEqual([6, 16, 26])
    expect(rows(test)).toEqual([7, 8, 9, 17, 18, 19, 27, 28, 29])
    expect(validation!.segments!.map((s) => s.origin)).toEqual([6, 16, 26])
  })

  it('an entity split without validation entities validates on the last of its training entities; share 0 opts out', () => {
    const { train, validation } = splitSeries(panel(), { kind: 'entity', trainFraction: 0.67, seed: 4 })
    expect(train.segments).toHaveLength(1)
    expect(validation!.segments).toHaveLength(1)
    expect(splitSeries(panel(), { kind: 'time', trainFraction: 0.7, validationShare: 0 }).validation).toBeNull()
  })
})

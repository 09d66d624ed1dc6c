import { describe, it, expect } from 'vitest'
import { fillBatch, fillBatchIndexed, windowLabels, windowStarts, windowTypes } from '../../src-main/core/data/windows'
import type { LabelledSeries } from '../../src-main/core/data/series'

function series(n: number, labels: number[], types: number[] = [], segments?: { id: string; start: number; end: number }[]): LabelledSeries {
  const l = new Uint8Array(n)
  labels.forEach((r) => (l[r] = 1))
  const t = new Uint8Array(n)
  types.forEach((k, r) => (t[r] = k))
  return {
    name: 's',
    intervalMs: 1000,
    timestamps: Float64Array.from({ length: n }, (_, i) => i * 1000),
    columns: ['a', 'b'],
    values: [Float32Array.from({ length: n }, (_, i) => i), Float32Array.from({ length: n }, (_, i) => 100 + i)],
    labels: l,
    anomalyTypeNames: ['x', 'y'],
    anomalyType: t,
    segments
  }
}

describe('windows', () => {
  it('starts respect stride and never cross a segment boundary', () => {
    const s = series(20, [], [], [
      { id: 'a', start: 0, end: 8 },
      { id: 'b', start: 8, end: 20 }
    ])
    expect(Array.from(windowStarts(s, { length: 5, stride: 1 }))).toEqual([0, 1, 2, 3, 8, 9, 10, 11, 12, 13, 14, 15])
    expect(Array.from(windowStarts(s, { length: 5, stride: 3 }))).toEqual([0, 3, 8, 11, 14])
    // A segment shorter than a window contributes none.
    expect(Array.from(windowStarts(s, { length: 9, stride: 1 }))).toEqual([8, 9, 10, 11])
    expect(() => windowStarts(s, { length: 0, stride: 1 })).toThrow(/length/)
  })

  it('labels follow the rule', () => {
    const s = series(10, [4, 5])
    const starts = windowStarts(s, { length: 3, stride: 1 })
    expect(Array.from(starts)).toEqual([0, 1, 2, 3, 4, 5, 6, 7])
    expect(Array.from(windowLabels(s, starts, 3, { kind: 'any' }))).toEqual([0, 0, 1, 1, 1, 1, 0, 0])
    expect(Array.from(windowLabels(s, starts, 3, { kind: 'last' }))).toEqual([0, 0, 1, 1, 0, 0, 0, 0])
    // 2 of 3 points needed.
    expect(Array.from(windowLabels(s, starts, 3, { kind: 'fraction', min: 0.6 }))).toEqual([0, 0, 0, 1, 1, 0, 0, 0])
  })

  it('types are the dominant labelled type', () => {
    const s = series(8, [2, 3, 4], [0, 0, 1, 2, 2, 0, 0, 0])
    const starts = windowStarts(s, { length: 3, stride: 1 })
    expect(Array.from(windowTypes(s, starts, 3))).toEqual([1, 1, 2, 2, 2, 0])
  })

  it('fillBatch writes [batch, length, features] into a reused buffer', () => {
    const s = series(10, [])
    const starts = windowStarts(s, { length: 3, stride: 2 })
    const out = new Float32Array(64).fill(-1)
    expect(fillBatch(s.values, starts, 1, 3, 3, out)).toEqual(12)
    expect(Array.from(out.subarray(0, 12))).toEqual([2, 102, 3, 103, 4, 104, 4, 104, 5, 105, 6, 106])
    expect(out[12]).toBe(-1)
    const n = fillBatchIndexed(s.values, starts, Int32Array.from([3, 0]), 0, 2, 3, out)
    expect(Array.from(out.subarray(0, n))).toEqual([6, 106, 7, 107, 8, 108, 0, 100, 1, 101, 2, 102])
    expect(() => fillBatch(s.values, starts, 0, 4, 3, new Float32Array(10))).toThrow(/buffer/)
  })
})

import { describe, expect, it } from 'vitest'
import { fromColumns } from '../../src-main/core/data/matrix'
import { applyScaler, fitStandardScaler } from '../../src-main/core/data/scaler'

describe('StandardScaler', () => {
  it('uses the population std and scale 1 for constant columns', () => {
    const m = fromColumns([Float32Array.from([1, 2, 3, 4]), Float32Array.from([5, 5, 5, 5])])
    const s = fitStandardScaler(m)
    expect(s.mean).toEqual([2.5, 5])
    expect(s.scale[0]).toBeCloseTo(Math.sqrt(1.25), 12)
    expect(s.scale[1]).toBe(1)
    const out = applyScaler(m, s)
    expect(out).not.toBe(m)
    expect(out.data[0]).toBeCloseTo(-1.5 / Math.sqrt(1.25), 6)
    expect(out.data[1]).toBe(0)
    // the input is untouched
    expect(m.data[0]).toBe(1)
  })

  it('gives zero mean and unit variance per column', () => {
    const a = Float32Array.from({ length: 100 }, (_, i) => 1000 + 3 * i)
    const b = Float32Array.from({ length: 100 }, (_, i) => Math.sin(i))
    const out = applyScaler(fromColumns([a, b]), fitStandardScaler(fromColumns([a, b])))
    for (let j = 0; j < 2; j++) {
      let s = 0
      let ss = 0
      for (let i = 0; i < 100; i++) {
        s += out.data[i * 2 + j]
        ss += out.data[i * 2 + j] ** 2
      }
      expect(s / 100).toBeCloseTo(0, 5)
      expect(ss / 100).toBeCloseTo(1, 4)
    }
  })

  it('refuses a scaler of the wrong width', () => {
    const m = fromColumns([Float32Array.from([1, 2])])
    expect(() => applyScaler(m, { mean: [0, 0], scale: [1, 1] })).toThrow(/columns/)
  })
})

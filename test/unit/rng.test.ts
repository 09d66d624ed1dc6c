import { describe, expect, it } from 'vitest'
import { createRng } from '../../src-main/core/data/rng'

describe('createRng', () => {
  it('is deterministic for a seed and differs between seeds', () => {
    const a = createRng(7)
    const b = createRng(7)
    const c = createRng(8)
    const sa = Array.from({ length: 20 }, () => a.uniform())
    const sb = Array.from({ length: 20 }, () => b.uniform())
    const sc = Array.from({ length: 20 }, () => c.uniform())
    expect(sa).toEqual(sb)
    expect(sa).not.toEqual(sc)
  })

  it('draws uniforms in [0, 1) with the right mean', () => {
    const r = createRng(1)
    let sum = 0
    for (let i = 0; i < 20000; i++) {
      const u = r.uniform()
      expect(u >= 0 && u < 1).toBe(true)
      sum += u
    }
    expect(sum / 20000).toBeCloseTo(0.5, 1)
  })

  it('int covers [lo, hi] inclusive and nothing else', () => {
    const r = createRng(3)
    const seen = new Set<number>()
    for (let i = 0; i < 2000; i++) seen.add(r.int(2, 5))
    expect([...seen].sort()).toEqual([2, 3, 4, 5])
    expect(() => r.int(3, 2)).toThrow()
  })

  it('normal has mean ~0 and sd ~1', () => {
    const r = createRng(11)
    const n = 40000
    let s = 0
    let ss = 0
    for (let i = 0; i < n; i++) {
      const z = r.normal()
      s += z
      ss += z * z
    }
    const mean = s / n
    expect(Math.abs(mean)).toBeLessThan(0.03)
    expect(Math.sqrt(ss / n - mean * mean)).toBeCloseTo(1, 1)
  })

  it('sampleWithoutReplacement gives k distinct indices in range', () => {
    const r = createRng(5)
    for (const [n, k] of [
      [1000, 10],
      [10, 10],
      [50, 30],
      [5, 0]
    ]) {
      const s = r.sampleWithoutReplacement(n, k)
      expect(s.length).toBe(k)
      expect(new Set(s).size).toBe(k)
      for (const v of s) expect(v >= 0 && v < n).toBe(true)
    }
    expect(() => r.sampleWithoutReplacement(3, 4)).toThrow()
  })

  it('shuffle is a permutation', () => {
    const r = createRng(9)
    const xs = Array.from({ length: 30 }, (_, i) => i)
    const ys = r.shuffle([...xs])
    expect(ys).not.toEqual(xs)
    expect([...ys].sort((a, b) => a - b)).toEqual(xs)
  })
})

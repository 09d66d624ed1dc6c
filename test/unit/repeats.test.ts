import { describe, it, expect } from 'vitest'
import { withRepeats, seedSpread, spread } from '../../src-main/core/search/repeats'
import { expandTrials } from '../../src-main/core/search/expand'
import { parseSpec } from '../../src-main/core/search/spec'

const base = {
  name: 'r',
  dataset: { version: 'abcdef0123456789' },
  split: { kind: 'time', trainFraction: 0.7 },
  model: { kind: 'iforest', params: { nEstimators: 50, seed: 7 } }
}

describe('repeats over seeds', () => {
  it('a single run becomes one trial per seed, from the spec seed on', () => {
    const t = expandTrials(withRepeats(parseSpec(base), 3))
    expect(t.map((x) => x.params.seed)).toEqual([7, 8, 9])
    expect(t.every((x) => x.params.nEstimators === 50)).toBe(true)
  })

  it('a grid is multiplied by the seeds; a search that varies seed or samples randomly is refused', () => {
    const grid = parseSpec({ ...base, search: { kind: 'grid', space: { contamination: [0.03, 0.05] } } })
    const t = expandTrials(withRepeats(grid, 2))
    expect(t.map((x) => [x.params.contamination, x.params.seed])).toEqual([
      [0.03, 7],
      [0.03, 8],
      [0.05, 7],
      [0.05, 8]
    ])
    expect(() => withRepeats(parseSpec({ ...base, search: { kind: 'grid', space: { seed: [1, 2] } } }), 2)).toThrow(/already varies 'seed'/)
    expect(() => withRepeats(parseSpec({ ...base, search: { kind: 'random', trials: 3, space: { contamination: { min: 0.01, max: 0.1 } } } }), 2)).toThrow(/random search/)
    expect(() => withRepeats(parseSpec(base), 0)).toThrow(/from 1 to 100/)
  })

  it('groups finished trials by their params without the seed, with mean and sample std', () => {
    const groups = seedSpread([
      { params: { c: 1, seed: 1 }, runId: 1, metrics: { f1: 0.5 } },
      { params: { c: 1, seed: 2 }, runId: 2, metrics: { f1: 0.7 } },
      { params: { c: 2, seed: 1 }, runId: 3, metrics: { f1: 0.9 } },
      { params: { c: 2, seed: 2 }, runId: null, metrics: null }
    ])
    expect(groups).toHaveLength(2)
    expect(groups[0]).toMatchObject({ params: { c: 1 }, seeds: [1, 2], runIds: [1, 2] })
    expect(groups[0].metrics.f1.mean).toBeCloseTo(0.6, 12)
    expect(groups[0].metrics.f1.std).toBeCloseTo(Math.SQRT2 * 0.1, 12)
    expect(groups[1].metrics.f1).toEqual({ mean: 0.9, std: 0, min: 0.9, max: 0.9, n: 1 })
    expect(spread([1, 2, 3, 4])).toMatchObject({ mean: 2.5, min: 1, max: 4, n: 4 })
  })
})

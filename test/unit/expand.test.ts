import { describe, it, expect } from 'vitest'
import { expandTrials, trialIdentity, dataIdentity } from '../../src-main/core/search/expand'
import { canonicalJson } from '../../src-main/core/canonical-json'
import { parseSpec, parseSpecText } from '../../src-main/core/search/spec'

const base = {
  name: 's',
  dataset: { version: 'abcdef0123456789' },
  split: { kind: 'time', trainFraction: 0.7 },
  model: { kind: 'iforest', params: { nEstimators: 50 } }
}

describe('search expansion', () => {
  it('a spec without a search is one trial with every default resolved', () => {
    const t = expandTrials(parseSpec(base))
    expect(t).toHaveLength(1)
    expect(t[0].params).toMatchObject({ nEstimators: 50, maxSamples: 'auto', contamination: 'auto', maxFeatures: 1, bootstrap: false, seed: 0 })
  })

  it('a grid is the cartesian product in grid order; duplicates collapse', () => {
    const spec = parseSpec({ ...base, search: { kind: 'grid', space: { contamination: [0.03, 0.05], nEstimators: [50, 100, 50] } } })
    const t = expandTrials(spec)
    expect(t.map((x) => [x.params.contamination, x.params.nEstimators])).toEqual([
      [0.03, 50],
      [0.03, 100],
      [0.05, 50],
      [0.05, 100]
    ])
    expect(t.map((x) => x.ordinal)).toEqual([0, 1, 2, 3])
  })

  it('shuffled order is seeded', () => {
    const spec = (seed: number) => parseSpec({ ...base, search: { kind: 'grid', space: { contamination: [0.01, 0.02, 0.03, 0.04, 0.05, 0.06] }, order: 'shuffled', seed } })
    const a = expandTrials(spec(1)).map((t) => t.params.contamination)
    expect(expandTrials(spec(1)).map((t) => t.params.contamination)).toEqual(a)
    expect(a).not.toEqual([0.01, 0.02, 0.03, 0.04, 0.05, 0.06])
    expect([...a].sort()).toEqual([0.01, 0.02, 0.03, 0.04, 0.05, 0.06])
  })

  it('random search samples choices and ranges (log, int) deterministically', () => {
    const spec = parseSpec({
      ...base,
      search: { kind: 'random', trials: 20, seed: 7, space: { contamination: { min: 0.01, max: 0.1, log: true }, nEstimators: { min: 50, max: 300, int: true }, bootstrap: [true, false] } }
    })
    const t = expandTrials(spec)
    expect(t.length).toBeGreaterThan(15)
    for (const x of t) {
      expect(x.params.contamination).toBeGreaterThanOrEqual(0.01)
      expect(x.params.contamination).toBeLessThanOrEqual(0.1)
      expect(Number.isInteger(x.params.nEstimators)).toBe(true)
    }
    expect(expandTrials(spec)).toEqual(t)
  })

  it('refuses bad searches with the field path', () => {
    expect(() => parseSpec({ ...base, search: { kind: 'random', space: { nEstimators: [1] } } })).toThrow(/search\.trials/)
    expect(() => parseSpec({ ...base, search: { kind: 'grid', space: { contamination: { min: 0.01, max: 0.1 } } } })).toThrow(/search\.space\.contamination/)
    expect(() => parseSpec({ ...base, search: { kind: 'grid', space: { nEstimators: [10, -1] } } })).toThrow(/search\.space\.nEstimators\.1/)
    expect(() => parseSpec({ ...base, search: { kind: 'grid', space: { nTrees: [10] } } })).toThrow(/search\.space\.nTrees/)
  })

  it("a trial's identity: resolved params + data + version, independent of key order", () => {
    const spec = parseSpec(base)
    const data = dataIdentity(spec, { dataset: 'v1' })
    const [t] = expandTrials(spec)
    const id = trialIdentity('iforest', t.params, data, '0.1.0')
    const reordered = Object.fromEntries(Object.entries(t.params).reverse())
    expect(trialIdentity('iforest', reordered, data, '0.1.0')).toBe(id)
    expect(trialIdentity('iforest', t.params, dataIdentity(spec, { dataset: 'v2' }), '0.1.0')).not.toBe(id)
    expect(trialIdentity('iforest', t.params, data, '0.2.0')).not.toBe(id)
    // Defaults written out or left implicit are the same trial.
    const explicit = expandTrials(parseSpec({ ...base, model: { kind: 'iforest', params: { ...t.params } } }))[0]
    expect(canonicalJson(explicit.params)).toBe(canonicalJson(t.params))
  })

  it('reads YAML specs, with line numbers in errors', () => {
    const yaml = 'name: y\ndataset:\n  version: abcdef0123456789\nsplit:\n  kind: time\n  trainFraction: 0.7\nmodel:\n  kind: iforest\nsearch:\n  kind: grid\n  space:\n    contamination: [0.03, 0.05]\n'
    expect(expandTrials(parseSpecText(yaml, 'x.yaml'))).toHaveLength(2)
    expect(() => parseSpecText('name: y\n  bad: [\n', 'x.yaml')).toThrow(/x\.yaml: .*invalid YAML at line/)
  })
})

import { describe, it, expect } from 'vitest'
import { readFileSync, readdirSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { parseSpec, parseSpecText, SpecError } from '../../src-main/core/search/spec'

const EXPERIMENTS = resolve(__dirname, '../../experiments')

const valid = {
  name: 'ok',
  dataset: { generator: 'helios-detection', params: { days: 2, seed: 1 } },
  split: { kind: 'separate-test', test: { generator: 'helios-detection', params: { days: 1, seed: 2 } } },
  model: { kind: 'iforest', params: { nEstimators: 10 } },
  targets: ['precision >= 0.9']
}

function issuesOf(value: unknown): { path: string; message: string }[] {
  try {
    parseSpec(value)
  } catch (err) {
    expect(err).toBeInstanceOf(SpecError)
    return (err as SpecError).issues
  }
  throw new Error('expected the spec to be refused')
}

describe('experiment specs', () => {
  it('every file under experiments/ is valid', () => {
    const files = readdirSync(EXPERIMENTS).filter((f) => f.endsWith('.json'))
    expect(files).toContain('helios-detection-iforest.json')
    for (const f of files) expect(() => parseSpecText(readFileSync(join(EXPERIMENTS, f), 'utf8'), f)).not.toThrow()
  })

  it('fills defaults', () => {
    const spec = parseSpec(valid)
    expect(spec.objective).toEqual({ metric: 'f1', direction: 'maximize' })
  })

  it('names the field path of nested generator and model params', () => {
    const issues = issuesOf({ ...valid, dataset: { generator: 'helios-detection', params: { days: -3 } }, model: { kind: 'iforest', params: { nEstimators: 0 } } })
    expect(issues.map((i) => i.path)).toEqual(expect.arrayContaining(['dataset.params.days', 'model.params.nEstimators']))
  })

  it('refuses unknown generators, fields, model kinds and targets', () => {
    expect(issuesOf({ ...valid, dataset: { generator: 'nope', params: {} } })[0]).toMatchObject({ path: 'dataset.generator' })
    expect(issuesOf({ ...valid, extra: 1 })[0].message).toMatch(/extra/)
    expect(issuesOf({ ...valid, model: { kind: 'svm' } })[0].path).toBe('model.kind')
    expect(issuesOf({ ...valid, targets: ['precison > 0.9'] })[0]).toMatchObject({ path: 'targets.0' })
    expect(issuesOf({ ...valid, model: { kind: 'iforest', params: { nTrees: 5 } } })[0].path).toMatch(/^model\.params/)
  })

  it('reports JSON syntax errors with line and column', () => {
    expect(() => parseSpecText('{\n  "name": "x",\n}', 'broken.json')).toThrow(/broken\.json.*line 3, column 1/)
  })
})

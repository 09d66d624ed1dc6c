import { describe, it, expect } from 'vitest'
import { readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { parseSpec, parseSpecText, SpecError } from '../../src-main/core/search/spec'

const EXPERIMENTS = resolve(__dirname, '../../experiments')
/** The specs the project ships, by name: a user's own unfinished spec in the folder is not ours to test. */
const SHIPPED = [
  'business-risk-lstm-attention-quick.json',
  'business-risk-lstm-attention.json',
  'dwcp-network-iforest.json',
  'dwcp-network-lstm-autoencoder-quick.json',
  'dwcp-network-lstm-autoencoder.json',
  'health-wearable-lstm-autoencoder-quick.json',
  'health-wearable-lstm-autoencoder.json',
  'helios-detection-iforest-grid.json',
  'helios-detection-iforest.json',
  'helios-events-lstm-classifier-quick.json',
  'helios-events-lstm-classifier.json'
]

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
  it.each(SHIPPED)('the shipped spec %s is valid and named after its file', (file) => {
    expect(parseSpecText(readFileSync(join(EXPERIMENTS, file), 'utf8'), file).name).toBe(file.replace(/\.json$/, ''))
  })

  it('fills defaults', () => {
    const spec = parseSpec(valid)
    expect(spec.objective).toEqual({ metric: 'f1', direction: 'maximize' })
  })

  it('names the field path of nested generator and model params', () => {
    const issues = issuesOf({ ...valid, dataset: { generator: 'helios-detection', params: { days: -3 } }, model: { kind: 'iforest', params: { nEstimators: 0 } } })
    expect(issues.map((i) => i.path)).toEqual(expect.arrayContaining(['dataset.params.days', 'model.params.nEstimators']))
  })

  it('reports all its errors at once: a bad field beside bad generator params, model params, searched values and targets', () => {
    const issues = issuesOf({
      ...valid,
      name: 'has spaces',
      dataset: { generator: 'helios-detection', params: { days: -3 } },
      split: { kind: 'time', trainFraction: 2 },
      model: { kind: 'iforest', params: { nEstimators: 0 } },
      search: { kind: 'grid', space: { contamination: [0.05, 0.9] } },
      targets: ['precison > 0.9'],
      objective: { metric: 'f2', direction: 'maximize' }
    })
    expect(issues.map((i) => i.path).sort()).toEqual(
      ['dataset.params.days', 'model.params.nEstimators', 'name', 'objective.metric', 'search.space.contamination.1', 'split.trainFraction', 'targets.0'].sort()
    )
  })

  it('refuses unknown generators, fields, model kinds and targets', () => {
    expect(issuesOf({ ...valid, dataset: { generator: 'nope', params: {} } })[0]).toMatchObject({ path: 'dataset.generator' })
    expect(issuesOf({ ...valid, extra: 1 })[0].message).toMatch(/extra/)
    expect(issuesOf({ ...valid, model: { kind: 'svm' } })[0].path).toBe('model.kind')
    expect(issuesOf({ ...valid, targets: ['precison > 0.9'] })[0]).toMatchObject({ path: 'targets.0' })
    expect(issuesOf({ ...valid, model: { kind: 'iforest', params: { nTrees: 5 } } })[0].path).toMatch(/^model\.params/)
  })

  it('names a stored dataset version as every front door does: its hash or a prefix of at least 4 hex digits', () => {
    expect(parseSpec({ ...valid, dataset: { version: '3f2a' } }).dataset).toEqual({ version: '3f2a' })
    expect(parseSpec({ ...valid, dataset: { version: 'a'.repeat(64) } }).dataset).toEqual({ version: 'a'.repeat(64) })
    for (const bad of ['3f2', '3F2A', 'xyz12345', 'a'.repeat(65)]) {
      expect(issuesOf({ ...valid, dataset: { version: bad } })[0]).toMatchObject({ path: 'dataset.version', message: expect.stringMatching(/content hash: 64 hex digits, or a unique prefix of at least 4/) })
    }
  })

  it('reports JSON syntax errors with line and column', () => {
    expect(() => parseSpecText('{\n  "name": "x",\n}', 'broken.json')).toThrow(/broken\.json.*line 3, column 1/)
  })
})

/**
 * The search builder's form ↔ spec code (src-renderer/src/lib/spec-form.ts) against the real spec
 * schema and the queue's own expansion: a form makes the spec a person would write (only what was
 * set), every shipped spec survives "duplicate and edit" unchanged, and a broken value's issue
 * lands on its field.
 */
import { describe, it, expect } from 'vitest'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { experimentSpecSchema, formatZodIssues, parseSpec, readSpecText } from '../../src-main/core/search/spec'
import { expandTrials } from '../../src-main/core/search/expand'
import { emptyForm, emptyParam, fieldOf, formFromSpec, issuesByField, parseList, parseValue, specFromForm, type SpecForm } from '../../src-renderer/src/lib/spec-form'
import { EXPERIMENTS } from '../helpers/workspace'
import { forestGrid12ByHand } from '../helpers/specs'
import { parseHash, routeHash } from '../../src-renderer/src/lib/routes'

/** A 3 x 4 Isolation Forest grid, set field by field as the builder's inputs would. */
function gridForm(): SpecForm {
  const form = emptyForm()
  form.name = 'forest-grid'
  form.dataset = { source: 'generator', generator: 'helios-detection', params: { days: '2', seed: '3' } }
  form.split = { kind: 'time', fields: { trainFraction: '0.6' } }
  form.model = {
    kind: 'iforest',
    params: {
      seed: { ...emptyParam(), mode: 'value', value: '1' },
      nEstimators: { ...emptyParam(), mode: 'list', list: '20, 40, 60' },
      contamination: { ...emptyParam(), mode: 'list', list: '0.03, 0.04, 0.05, 0.06' },
      // Left at its default: not written.
      bootstrap: { ...emptyParam(), mode: 'default', value: 'true' }
    }
  }
  form.targets = 'precision >= 0.5\n\n'
  return form
}

describe('spec from the builder form', () => {
  it('a 12-trial grid is the spec written by hand, no defaults added, and expands to 12 trials', () => {
    const spec = specFromForm(gridForm())
    expect(spec).toEqual(forestGrid12ByHand('forest-grid'))
    expect(expandTrials(parseSpec(spec))).toHaveLength(12)
  })

  it('a range becomes a random search over min and max, with log and int only when ticked', () => {
    const form = gridForm()
    form.model.params.nEstimators = { ...emptyParam(), mode: 'range', min: '10', max: '100', int: true }
    form.model.params.contamination = { ...emptyParam(), mode: 'range', min: '0.01', max: '0.1' }
    form.search = { kind: 'random', trials: '5', seed: '7', order: '' }
    const spec = specFromForm(form)
    expect(spec.search).toEqual({ kind: 'random', space: { nEstimators: { min: 10, max: 100, int: true }, contamination: { min: 0.01, max: 0.1 } }, trials: 5, seed: 7 })
    const trials = expandTrials(parseSpec(spec))
    expect(trials).toHaveLength(5)
    for (const t of trials) expect(Number.isInteger(t.params.nEstimators)).toBe(true)
  })

  it('typed text: JSON when it parses, the text itself otherwise, blank left out', () => {
    expect(parseValue(' 1e-3 ')).toBe(0.001)
    expect(parseValue('auto')).toBe('auto')
    expect(parseValue('[64, 32]')).toEqual([64, 32])
    expect(parseValue('null')).toBeNull()
    expect(parseValue('')).toBeUndefined()
    expect(parseList('256, auto, ,true')).toEqual([256, 'auto', true])
  })

  it('every shipped spec file survives duplicate-and-edit unchanged (form from spec, spec from form)', () => {
    const files = readdirSync(EXPERIMENTS).filter((f) => /\.(json|ya?ml)$/.test(f))
    expect(files.length).toBeGreaterThan(5)
    for (const file of files) {
      const raw = readSpecText(readFileSync(join(EXPERIMENTS, file), 'utf8'), file)
      expect(specFromForm(formFromSpec(raw)), file).toEqual(raw)
    }
  })
})

describe('issues on their fields', () => {
  it('a learning rate of "abc" and a negative batch size are refused by the spec schema on their own fields', () => {
    const form = emptyForm()
    form.name = 'broken'
    form.dataset = { source: 'generator', generator: 'helios-events', params: {} }
    form.split = { kind: 'time', fields: { trainFraction: '0.7' } }
    form.model = {
      kind: 'lstm-classifier',
      params: { learningRate: { ...emptyParam(), mode: 'value', value: 'abc' }, batchSize: { ...emptyParam(), mode: 'list', list: '32, -5' } }
    }
    const r = experimentSpecSchema.safeParse(specFromForm(form))
    expect(r.success).toBe(false)
    const byField = issuesByField(formatZodIssues(r.error!))
    expect(Object.keys(byField).sort()).toEqual(['param.batchSize', 'param.learningRate'])
    expect(byField['param.learningRate']!.join()).toMatch(/number/)
    expect(byField['param.batchSize']!.join()).toMatch(/batchSize = -5/)
  })

  it('paths map to the fields the form shows', () => {
    expect(fieldOf('search.space.contamination.2')).toBe('param.contamination')
    expect(fieldOf('split')).toBe('split.kind')
    expect(fieldOf('split.test.version')).toBe('split.test')
    expect(fieldOf('targets.1')).toBe('targets')
    expect(fieldOf('objective.metric')).toBe('objective')
    expect(fieldOf('')).toBe('form')
  })
})

describe('the builder route', () => {
  it('opens empty, or from a spec file or a run; malformed sources open it empty', () => {
    expect(parseHash('#/experiments/new')).toEqual({ name: 'builder' })
    expect(parseHash('#/experiments/new?file=helios%20grid.yaml')).toEqual({ name: 'builder', from: { file: 'helios grid.yaml' } })
    expect(parseHash('#/experiments/new?run=12')).toEqual({ name: 'builder', from: { run: 12 } })
    expect(parseHash('#/experiments/new?run=0')).toEqual({ name: 'builder' })
    expect(parseHash('#/experiments/other')).toEqual({ name: 'not-found', path: '/experiments/other' })
    for (const h of ['#/experiments/new', '#/experiments/new?file=a%20b.json', '#/experiments/new?run=3']) expect(routeHash(parseHash(h))).toBe(h)
  })
})

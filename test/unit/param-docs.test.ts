/**
 * The search builder's field docs (core/search/param-docs.ts), read from the real zod schemas:
 * every model param and split field is listed once with a meaning, its default is the one the
 * schema fills in, enums list their values, and only scalar params are offered to a search.
 */
import { describe, it, expect } from 'vitest'
import { z } from 'zod'
import { specFormSchema, describeFields } from '../../src-main/core/search/param-docs'
import { modelParamsSchemas, splitSchema } from '../../src-main/core/search/spec'
import { TARGET_METRICS } from '../../src-main/core/eval/targets'

const schema = specFormSchema()

describe('field docs from the spec schemas', () => {
  it('lists every param of every model kind, each with a type and a one-line meaning', () => {
    expect(schema.models.map((m) => m.kind)).toEqual(Object.keys(modelParamsSchemas))
    for (const m of schema.models) {
      const shape = modelParamsSchemas[m.kind as keyof typeof modelParamsSchemas].shape
      expect(m.params.map((p) => p.name), m.kind).toEqual(Object.keys(shape))
      for (const p of m.params) {
        expect(p.meaning, `${m.kind}.${p.name}`).not.toBe('')
        expect(p.meaning, `${m.kind}.${p.name}`).not.toContain('\n')
        expect(p.type, `${m.kind}.${p.name}`).not.toBe('any')
      }
    }
  })

  it("each default is the one the schema fills in when the param is left out", () => {
    for (const m of schema.models) {
      const resolved = modelParamsSchemas[m.kind as keyof typeof modelParamsSchemas].parse({}) as Record<string, unknown>
      for (const p of m.params) {
        if (p.default !== undefined) expect(p.default, `${m.kind}.${p.name}`).toEqual(resolved[p.name])
        else expect(resolved[p.name], `${m.kind}.${p.name}`).toBeUndefined()
      }
    }
  })

  it('types, allowed values and what a search may vary, for the Isolation Forest', () => {
    const byName = Object.fromEntries(schema.models.find((m) => m.kind === 'iforest')!.params.map((p) => [p.name, p]))
    expect(byName.nEstimators).toMatchObject({ type: 'integer >= 1, <= 100000', default: 100, searchable: true, numeric: true, integer: true })
    expect(byName.contamination).toMatchObject({ type: "'auto' | number > 0, <= 0.5", allowed: ['auto'], searchable: true, numeric: true, integer: false })
    expect(byName.trainingMode).toMatchObject({ allowed: ['unsupervised', 'normal-only'], searchable: true, numeric: false })
    // An object param is set as one value, never searched.
    expect(byName.postprocess).toMatchObject({ searchable: false, numeric: false, default: { kind: 'none' } })
    expect(byName.thresholdRule).toMatchObject({ optional: true, searchable: false })
    expect(byName.thresholdRule!.default).toBeUndefined()
  })

  it('every split kind with its fields, required ones marked', () => {
    expect(schema.splits.map((s) => s.kind)).toEqual(splitSchema.options.map((o) => o.shape.kind.value))
    const time = schema.splits.find((s) => s.kind === 'time')!
    expect(time.meaning).not.toBe('')
    expect(time.fields.map((f) => [f.name, f.optional])).toEqual([
      ['trainFraction', false],
      ['validationFraction', true],
      ['validationShare', true]
    ])
    expect(schema.metrics).toEqual(TARGET_METRICS)
  })

  it('describes any object schema the same way', () => {
    const fields = describeFields(z.object({ n: z.number().int().min(2).describe('how many'), mode: z.enum(['a', 'b']).default('a') }))
    expect(fields).toEqual([
      { name: 'n', type: 'integer >= 2', optional: false, allowed: [], meaning: 'how many', searchable: true, numeric: true, integer: true },
      { name: 'mode', type: "'a' | 'b'", optional: true, default: 'a', allowed: ['a', 'b'], meaning: '', searchable: true, numeric: false, integer: false }
    ])
  })
})

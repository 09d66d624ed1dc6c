import { describe, expect, it } from 'vitest'
import { checkTargets, parseTarget, targetSchema } from '../../src-main/core/eval/targets'

describe('parseTarget', () => {
  it('parses fractions and percentages', () => {
    expect(parseTarget('precision >= 0.953')).toEqual({
      metric: 'precision',
      op: '>=',
      value: 0.953,
      text: 'precision >= 0.953'
    })
    expect(parseTarget('recall >= 87.1%').value).toBeCloseTo(0.871, 12)
    expect(parseTarget('FPR <= 11.8%')).toMatchObject({ metric: 'fpr', op: '<=' })
    expect(parseTarget('auc>0.95')).toMatchObject({ metric: 'rocAuc', op: '>', value: 0.95 })
    expect(parseTarget(' accuracy < 1 ')).toMatchObject({ metric: 'accuracy', op: '<', value: 1 })
  })

  it('throws naming the text and the allowed metrics', () => {
    expect(() => parseTarget('loss <= 0.1')).toThrow(/'loss'.*allowed: .*precision/)
    expect(() => parseTarget('precision about 0.9')).toThrow(/malformed target 'precision about 0.9'.*recall/)
    expect(() => parseTarget('precision >= 95.3')).toThrow(/95.3%/)
    expect(() => parseTarget('')).toThrow(/malformed/)
  })
})

describe('checkTargets', () => {
  it('compares each target with the report', () => {
    const report = { precision: 0.96, recall: 0.87, fpr: 0.118 }
    const r = checkTargets(report, ['precision >= 95.3%', 'recall >= 87.1%', 'fpr <= 0.118', 'f1 > 0.5'])
    expect(r.map((x) => x.met)).toEqual([true, false, true, false])
    expect(r[1].actual).toBe(0.87)
    // A metric the report lacks is n/a: null (as stored and sent), never met.
    expect(r[3].actual).toBeNull()
  })

  it('reads a non-finite metric as n/a: null and not met', () => {
    const r = checkTargets({ recall: Number.NaN, precision: Number.POSITIVE_INFINITY }, ['recall >= 0.5', 'precision >= 0.5'])
    expect(r.map((x) => x.actual)).toEqual([null, null])
    expect(r.map((x) => x.met)).toEqual([false, false])
  })

  it('accepts parsed targets too', () => {
    const t = parseTarget('recall > 0.5')
    expect(checkTargets({ recall: 0.5 }, [t])[0].met).toBe(false)
  })
})

describe('targetSchema', () => {
  it('accepts the string form and the object form', () => {
    expect(targetSchema.parse('precision >= 95.3%').value).toBeCloseTo(0.953, 12)
    expect(targetSchema.parse({ metric: 'recall', op: '>=', value: 0.8 }).metric).toBe('recall')
  })

  it('reports a bad target as a validation issue', () => {
    const r = targetSchema.safeParse('bogus >= 1')
    expect(r.success).toBe(false)
    if (!r.success) expect(r.error.issues[0].message).toMatch(/unknown metric 'bogus'/)
  })
})

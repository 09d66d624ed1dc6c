/** The import panel's and roles editor's pure helpers: role moves, options from a role table, intervals. */
import { describe, expect, it } from 'vitest'
import { changedRoles, choicesFor, importOptionsFor, intervalFrom, labelLikeReason, withRole } from '../../src-renderer/src/lib/column-roles'

describe('column roles in the UI', () => {
  it('a role only one column may hold moves, and its old holder becomes a feature', () => {
    expect(withRole({ a: 'label', b: 'feature', c: 'extra-label' }, 'b', 'label')).toEqual({ a: 'feature', b: 'label', c: 'extra-label' })
    expect(withRole({ a: 'timestamp', b: 'feature' }, 'b', 'timestamp')).toEqual({ a: 'feature', b: 'timestamp' })
    // Roles many columns may hold do not move.
    expect(withRole({ a: 'ignored', b: 'feature' }, 'b', 'ignored')).toEqual({ a: 'ignored', b: 'ignored' })
    expect(withRole({ a: 'extra-label', b: 'feature' }, 'b', 'extra-label')).toEqual({ a: 'extra-label', b: 'extra-label' })
  })

  it('import options name every role explicitly, so nothing is guessed', () => {
    expect(
      importOptionsFor([
        { name: 'datetime', role: 'timestamp' },
        { name: 'x', role: 'feature' },
        { name: 'anomaly', role: 'feature' },
        { name: 'changepoint', role: 'extra-label' },
        { name: 'comment', role: 'ignored' }
      ])
    ).toEqual({ timestampColumn: 'datetime', labelColumn: null, typeColumn: null, entityColumn: null, extraLabelColumns: ['changepoint'], ignoreColumns: ['comment'] })
  })

  it('on a stored version, valued columns move between feature, label, extra label and ignored; the rest stay', () => {
    expect(choicesFor('feature')).toEqual(['feature', 'label', 'extra-label', 'ignored'])
    expect(choicesFor('label')).toEqual(['feature', 'label', 'extra-label', 'ignored'])
    expect(choicesFor('type')).toEqual(['type', 'ignored'])
    expect(choicesFor('timestamp')).toEqual(['timestamp'])
    expect(choicesFor('ignored')).toEqual(['ignored'])
    const current = [
      { name: 'a', role: 'feature' as const },
      { name: 'b', role: 'label' as const }
    ]
    expect(changedRoles(current, { a: 'feature', b: 'extra-label' })).toEqual({ b: 'extra-label' })
    expect(changedRoles(current, {})).toEqual({})
  })

  it('intervals from a number and a unit: null when blank, NaN when not a positive number', () => {
    expect(intervalFrom('5', 'min')).toBe(300_000)
    expect(intervalFrom('1.5', 'h')).toBe(5_400_000)
    expect(intervalFrom(' ', 's')).toBeNull()
    expect(intervalFrom('-1', 's')).toBeNaN()
    expect(intervalFrom('0', 's')).toBeNaN()
    expect(intervalFrom('x', 's')).toBeNaN()
  })

  it('says why a column looks like a label from the structured finding', () => {
    expect(labelLikeReason({ reason: 'anomalous', common: 0, marked: 12, anomalousMarked: 1, anomalousOther: 0.2, onEdges: 0.5 })).toBe(
      'where it is not 0 (12 rows), 100 % of rows are anomalous, against 20 % elsewhere'
    )
    expect(labelLikeReason({ reason: 'edges', common: 0, marked: 4, anomalousMarked: 0.5, anomalousOther: 0.3, onEdges: 1 })).toMatch(/100 % of rows are where a labelled anomaly starts or ends/)
  })
})

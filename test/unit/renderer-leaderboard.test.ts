import { describe, it, expect } from 'vitest'
import { defaultColumns, pickableColumns, sortRows, nextSort } from '../../src-renderer/src/lib/leaderboard'
import type { LeaderboardRow } from '../../src-main/contract/api'

const row = (trialId: number, val: number | null, test: number | null): LeaderboardRow => ({
  trialId,
  ordinal: trialId,
  status: 'done',
  attempts: 1,
  priority: 0,
  runId: trialId,
  params: { c: trialId },
  metrics: test === null ? null : { f1: test, fpr: 0.1 },
  validationMetrics: val === null ? null : { f1: val },
  targets: [],
  targetsMet: null,
  objectiveValue: val,
  rank: null,
  durationMs: null,
  progress: null
})

describe('leaderboard columns', () => {
  it('offers validation metrics beside test ones, labelled by split, and shows the validation objective by default', () => {
    const cols = pickableColumns({ searchedParams: ['c'], rows: [row(1, 0.5, 0.6)] })
    expect(cols.map((c) => c.key)).toEqual(['param:c', 'val:f1', 'metric:f1', 'metric:fpr'])
    expect(cols.find((c) => c.key === 'val:f1')).toMatchObject({ kind: 'validation', short: 'val F1', label: 'F1 on validation' })
    expect(cols.find((c) => c.key === 'metric:f1')!.label).toBe('F1 on test')
    expect(defaultColumns(['c'], 'f1').slice(0, 3)).toEqual(['param:c', 'val:f1', 'metric:precision'])
  })

  it('sorts by a validation column, missing values last; rate metrics start ascending on either split', () => {
    const rows = [row(1, 0.5, 0.9), row(2, null, 0.95), row(3, 0.7, 0.1)]
    expect(sortRows(rows, { key: 'val:f1', dir: 'desc' }).map((r) => r.trialId)).toEqual([3, 1, 2])
    expect(nextSort({ key: 'rank', dir: 'asc' }, 'val:fpr')).toEqual({ key: 'val:fpr', dir: 'asc' })
    expect(nextSort({ key: 'rank', dir: 'asc' }, 'val:f1')).toEqual({ key: 'val:f1', dir: 'desc' })
  })
})

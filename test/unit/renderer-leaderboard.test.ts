import { describe, it, expect } from 'vitest'
import { defaultColumns, pickableColumns, sortRows, nextSort, searchStatus, trialsAtOnce } from '../../src-renderer/src/lib/leaderboard'
import { targetsCheck } from '../../src-renderer/src/lib/targets'
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

describe('queue badges and verdicts', () => {
  const counts = (queued: number, running: number, done: number) => ({ queued, running, done, failed: 0, cancelled: 0, skipped: 0 })

  it('shows a search finished once no trial is queued or running, whatever its stored status but cancelled', () => {
    expect(searchStatus({ status: 'active', counts: counts(0, 0, 4) })).toBe('finished')
    expect(searchStatus({ status: 'paused', counts: counts(0, 0, 4) })).toBe('finished')
    expect(searchStatus({ status: 'active', counts: counts(1, 1, 2) })).toBe('active')
    expect(searchStatus({ status: 'paused', counts: counts(2, 0, 2) })).toBe('paused')
    expect(searchStatus({ status: 'cancelled', counts: counts(0, 0, 1) })).toBe('cancelled')
  })

  it("caps a search's trials at once by the host's slots, and says when it did", () => {
    expect(trialsAtOnce(2, 1)).toEqual({ n: 1, capped: true })
    expect(trialsAtOnce(1, 4)).toEqual({ n: 1, capped: false })
    expect(trialsAtOnce(null, 3)).toEqual({ n: 3, capped: false })
  })

  it('gives targets a verdict only once the run is done: pending while active, unchecked when it ended otherwise', () => {
    expect(targetsCheck('done')).toBe('checked')
    expect(['queued', 'running'].map((s) => targetsCheck(s as 'queued'))).toEqual(['pending', 'pending'])
    expect(['failed', 'cancelled', 'interrupted', 'skipped'].map((s) => targetsCheck(s as 'failed'))).toEqual(['unchecked', 'unchecked', 'unchecked', 'unchecked'])
  })
})

import { describe, it, expect } from 'vitest'
import { defaultColumns, leaderboardColumns, pickableColumns, nextSort, searchStatus, trialsAtOnce } from '../../src-renderer/src/lib/leaderboard'
import { filterRows, sortRows, toCsv } from '../../src-renderer/src/lib/table'
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
    const cols = leaderboardColumns(pickableColumns({ searchedParams: ['c'], rows }))
    expect(sortRows(rows, cols, { key: 'val:f1', dir: 'desc' }).map((r) => r.trialId)).toEqual([3, 1, 2])
    expect(sortRows(rows, cols, { key: 'val:f1', dir: 'asc' }).map((r) => r.trialId)).toEqual([1, 3, 2])
    expect(nextSort({ key: 'rank', dir: 'asc' }, 'val:fpr')).toEqual({ key: 'val:fpr', dir: 'asc' })
    expect(nextSort({ key: 'rank', dir: 'asc' }, 'val:f1')).toEqual({ key: 'val:f1', dir: 'desc' })
  })
})

describe('leaderboard table', () => {
  it('sorts status by where a trial is, filters on cells as shown, and exports the shown columns with raw values', () => {
    const rows = [{ ...row(1, 0.5, 0.9), status: 'done' as const }, { ...row(2, null, null), status: 'running' as const }, { ...row(3, 0.7, 0.125), targets: [{ text: 'f1 >= 0.1', met: true, metric: 'f1', op: '>=' as const, value: 0.1, actual: 0.125 }, { text: 'f1 >= 0.9', met: false, metric: 'f1', op: '>=' as const, value: 0.9, actual: 0.125 }] }]
    const cols = leaderboardColumns(pickableColumns({ searchedParams: ['c'], rows }).filter((c) => c.key !== 'metric:fpr'))
    expect(sortRows(rows, cols, { key: 'status', dir: 'asc' }).map((r) => r.trialId)).toEqual([2, 1, 3])
    // The F1 cell reads "12.5%": the filter matches what the table shows.
    expect(filterRows(rows, cols, { text: '12.5%' }).map((r) => r.trialId)).toEqual([3])
    expect(filterRows(rows, cols, { columns: { status: 'run' } }).map((r) => r.trialId)).toEqual([2])
    expect(toCsv(cols, rows).split('\r\n')).toEqual(['Rank,Trial,Status,c,val F1,F1,Targets,Duration (ms)', ',1,done,1,0.5,0.9,,', ',2,running,2,,,,', ',3,done,3,0.7,0.125,1 of 2 met,', ''])
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

/**
 * The views' table columns (runs, error lists, A/B, queue, compare) through the one table model: what the
 * CSV export writes (headers, raw values at full precision, ISO times) and what sorts how.
 */
import { describe, expect, it } from 'vitest'
import { parse } from 'csv-parse/sync'
import type { ErrorItem, QueuedExperiment, RunListRow } from '../../src-main/contract/api'
import { runsTableColumns } from '../../src-renderer/src/lib/runs-list'
import { errorColumns } from '../../src-renderer/src/lib/error-inspector'
import { abColumns, type AbRow } from '../../src-renderer/src/lib/bundles'
import { queueColumns } from '../../src-renderer/src/lib/leaderboard'
import { paramDiffColumns, typeRecallColumns } from '../../src-renderer/src/lib/compare'
import { filterRows, sortRows, toCsv } from '../../src-renderer/src/lib/table'

const csvRows = (text: string) => parse(text, { columns: true }) as Record<string, string>[]

describe('runs table columns', () => {
  const run = (id: number, f1: number | null, extra: Partial<RunListRow> = {}) =>
    ({
      id,
      experimentName: `exp, "${id}"`,
      modelKind: 'iforest',
      status: 'done',
      statusReason: null,
      params: { nEstimators: id * 10, units: [8, 4] },
      metrics: f1 == null ? null : { f1, precision: 0.123456789 },
      targets: [],
      tags: ['a', 'b'],
      note: '=cmd()',
      trial: null,
      createdAt: '2026-11-29T07:00:00.000Z',
      durationMs: 1234,
      ...extra
    }) as RunListRow
  const picked = [{ key: 'metric:f1', kind: 'metric' as const, name: 'f1', label: 'F1 on test', short: 'F1' }]

  it('exports the shown columns with params as JSON, metrics at full precision and formulas defused', () => {
    const out = csvRows(toCsv(runsTableColumns(picked), [run(1, 0.123456789), run(2, null, { status: 'failed', statusReason: 'out of memory' })]))
    expect(Object.keys(out[0])).toEqual(['Run', 'Experiment', 'Model', 'Trial', 'Params', 'Status', 'F1', 'Targets', 'Tags', 'Note', 'Created', 'Duration (ms)'])
    expect(out[0]).toMatchObject({ Run: '1', Experiment: 'exp, "1"', F1: '0.123456789', Tags: 'a; b', Note: "'=cmd()", Created: '2026-11-29T07:00:00.000Z', 'Duration (ms)': '1234' })
    expect(JSON.parse(out[0].Params)).toEqual({ nEstimators: 10, units: [8, 4] })
    expect(out[1]).toMatchObject({ Status: 'failed', F1: '', Targets: 'out of memory' })
  })
})

describe('error list columns', () => {
  const item = (index: number, margin: number, episode: number | null): ErrorItem => ({ index, score: 0.5 + margin, margin, label: 0, type: null, firstRow: index, lastRow: index, firstTime: Date.UTC(2026, 0, 1, 0, index), lastTime: Date.UTC(2026, 0, 1, 0, index), segment: 'main', episode })

  it('writes windows with UTC times and episodes numbered as shown', () => {
    const out = csvRows(toCsv(errorColumns(), [item(7, 0.25, 0), item(9, 0.5, null)]))
    expect(out[0]).toEqual({ Window: '7', Score: '0.75', Margin: '0.25', Label: '0', Type: '', 'First row': '7', 'Last row': '7', 'First time': '2026-01-01T00:07:00.000Z', 'Last time': '2026-01-01T00:07:00.000Z', Segment: 'main', Episode: '1' })
    expect(out[1].Episode).toBe('')
  })
})

describe('A/B columns', () => {
  const row = (label: string, f1: number, source: 'bundle' | 'run'): AbRow => ({ key: label, source, label, folder: null, location: source === 'bundle' ? 'shared' : null, runId: null, metrics: { f1, fpr: 0.01 }, threshold: 0.5, at: null })

  it('sorts by a metric and filters on the source as shown', () => {
    const rows = [row('a', 0.5, 'bundle'), row('b', 0.9, 'run'), row('c', 0.7, 'bundle')]
    expect(sortRows(rows, abColumns(), { key: 'f1', dir: 'desc' }).map((r) => r.label)).toEqual(['b', 'c', 'a'])
    expect(filterRows(rows, abColumns(), { text: 'shared' }).map((r) => r.label)).toEqual(['a', 'c'])
    expect(toCsv(abColumns(), rows.slice(1, 2)).split('\r\n')[1]).toBe('b,local run,,,0.9,0.01,,0.5,')
  })
})

describe('queue columns', () => {
  const search = (id: number, status: QueuedExperiment['status'], queued: number, done: number) =>
    ({ id, name: `s${id}`, modelKind: 'lstm', search: 'grid', status, counts: { queued, running: 0, done, failed: 0, cancelled: 0, skipped: 0 }, total: queued + done, etaMs: queued ? 60_000 : null, best: null, targetsMetBy: [], priority: id, objective: { metric: 'f1', direction: 'maximize' } }) as unknown as QueuedExperiment

  it('sorts status active first and exports the status as read (finished once nothing is left)', () => {
    const rows = [search(1, 'active', 0, 4), search(2, 'cancelled', 0, 1), search(3, 'active', 2, 2), search(4, 'paused', 1, 1)]
    expect(sortRows(rows, queueColumns(), { key: 'status', dir: 'asc' }).map((r) => r.id)).toEqual([3, 4, 1, 2])
    const out = csvRows(toCsv(queueColumns(), rows))
    expect(out.map((r) => r.Status)).toEqual(['finished', 'cancelled', 'active', 'paused'])
    expect(out[2]).toMatchObject({ 'Trials done': '2 of 4', 'ETA (ms)': '60000', Priority: '3' })
  })
})

describe('compare columns', () => {
  it("gives each run a params column (empty where not set, read as 'not set') and sorts by one run's recall", () => {
    const params = [
      { key: 'units', values: [[8, 4], null], present: [true, false], differs: true },
      { key: 'seed', values: [1, 1], present: [true, true], differs: false }
    ]
    const cols = paramDiffColumns([3, 5])
    expect(toCsv(cols, params).split('\r\n')).toEqual(['Param,Run 3,Run 5', 'units,"[8,4]",', 'seed,1,1', ''])
    expect(filterRows(params, cols, { columns: { 'run:5': 'not set' } }).map((p) => p.key)).toEqual(['units'])
    const recall = [
      { type: 'spike', cells: [{ recall: 0.5, detected: 1, total: 2 }, null] },
      { type: 'drift', cells: [{ recall: 1, detected: 2, total: 2 }, { recall: 0.25, detected: 1, total: 4 }] }
    ]
    expect(sortRows(recall, typeRecallColumns([3, 5]), { key: 'run:3', dir: 'desc' }).map((r) => r.type)).toEqual(['drift', 'spike'])
    expect(sortRows(recall, typeRecallColumns([3, 5]), { key: 'run:5', dir: 'asc' }).map((r) => r.type)).toEqual(['drift', 'spike'])
  })
})

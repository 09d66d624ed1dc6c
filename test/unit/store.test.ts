import { describe, it, expect, beforeEach, afterEach } from 'vitest'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { openDatabase, schemaVersion, type Db } from '../../src-main/core/store/database'
import { migrations } from '../../src-main/core/store/migrations'
import { saveDataset, loadDataset, listDatasets } from '../../src-main/core/store/datasets-repo'
import { upsertExperiment } from '../../src-main/core/store/experiments-repo'
import * as runs from '../../src-main/core/store/runs-repo'
import * as trials from '../../src-main/core/store/trials-repo'
import { recordRunOutcome, reclaimOrphans } from '../../src-main/core/store/outcomes-repo'
import { registerHost } from '../../src-main/core/store/hosts-repo'
import { generateScenario } from '../../src-main/core/data/scenarios'
import { parseSpec } from '../../src-main/core/search/spec'

let dir: string
let db: Db

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'wb-store-'))
  db = openDatabase(join(dir, 'workbench.db'))
})
afterEach(() => {
  db.close()
  rmSync(dir, { recursive: true, force: true })
})

const spec = parseSpec({
  name: 'store-test',
  dataset: { generator: 'helios-detection', params: { days: 1 } },
  split: { kind: 'time', trainFraction: 0.7 },
  model: { kind: 'iforest', params: {} },
  targets: ['recall >= 0.5']
})

describe('database', () => {
  it('is WAL with every migration applied, and reopening is a no-op', () => {
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal')
    expect(schemaVersion(db)).toBe(migrations[migrations.length - 1].version)
    db.close()
    db = openDatabase(join(dir, 'workbench.db'))
    expect(schemaVersion(db)).toBe(migrations.length)
  })

  it('refuses a database from a newer workbench', () => {
    db.pragma('user_version = 999')
    db.close()
    expect(() => openDatabase(join(dir, 'workbench.db'))).toThrow(/newer than this workbench/)
    db = new Database(join(dir, 'other.db'))
  })

  it('refuses a migration list out of order (a skipped migration would never be applied)', () => {
    const shuffled = [...migrations.slice(0, 2), migrations[3], migrations[2], ...migrations.slice(4)]
    expect(() => openDatabase(join(dir, 'order.db'), shuffled)).toThrow(/ascending order: entry 4 is version 3 .*, after version 4/)
  })

  it('a failing migration leaves the previous version intact', () => {
    const file = join(dir, 'm.db')
    const broken = [...migrations, { version: migrations.length + 1, name: 'broken', sql: 'CREATE TABLE t (x); SELECT nope FROM missing;' }]
    expect(() => openDatabase(file, broken)).toThrow()
    const again = openDatabase(file)
    expect(schemaVersion(again)).toBe(migrations.length)
    expect(again.prepare("SELECT name FROM sqlite_master WHERE name = 't'").get()).toBeUndefined()
    again.close()
  })
})

describe('datasets', () => {
  it('stores a version by content hash and loads it back bit for bit', () => {
    const series = generateScenario('helios-detection', { days: 1, seed: 3 })
    const meta = saveDataset(db, series, { source: 'generated', generator: 'helios-detection', params: { days: 1, seed: 3 } })
    expect(meta.id).toMatch(/^[0-9a-f]{64}$/)
    expect(meta.rows).toBe(288)
    const again = saveDataset(db, series, { source: 'generated' })
    expect(again.id).toBe(meta.id)
    expect(listDatasets(db)).toHaveLength(1)
    const loaded = loadDataset(db, meta.id)
    expect(loaded.columns).toEqual(series.columns)
    expect(Array.from(loaded.values[3])).toEqual(Array.from(series.values[3]))
    expect(Array.from(loaded.anomalyType)).toEqual(Array.from(series.anomalyType))
    expect(Array.from(loaded.timestamps)).toEqual(Array.from(series.timestamps))
  })
})

describe('runs', () => {
  it('moves queued → running → done and keeps results, scores, epochs and logs', () => {
    const exp = upsertExperiment(db, spec, null)
    expect(upsertExperiment(db, spec, 'x.json').id).toBe(exp.id)
    const run = runs.createRun(db, { experimentId: exp.id, modelKind: 'iforest', params: {}, targets: [], workbenchVersion: 't' })
    expect(run.status).toBe('queued')
    runs.markRunning(db, run.id, 1234, registerHost(db))
    expect(runs.getRun(db, run.id)!.status).toBe('running')
    runs.addEpoch(db, run.id, { epoch: 1, metrics: { loss: 0.5 }, confusion: { tn: 1, fp: 2, fn: 3, tp: 4 } })
    runs.appendLog(db, { runId: run.id, at: new Date().toISOString(), level: 'info', message: 'hello' })
    recordRunOutcome(db, run.id, {
      status: 'done',
      results: {
        threshold: 0.6,
        metrics: { precision: 0.9 },
        trainMetrics: null,
        validationMetrics: { precision: 0.8 },
        confusion: { tn: 10, fp: 1, fn: 2, tp: 3 },
        targets: [],
        curves: null,
        recallByType: {},
        model: { kind: 'iforest' }
      },
      scores: [{ split: 'test', datasetId: null, scores: new Float32Array([0.1, 0.9]), labels: new Uint8Array([0, 1]), types: null, starts: Int32Array.of(5, 6), windowLength: 1 }]
    })
    const done = runs.getRun(db, run.id)!
    expect(done.status).toBe('done')
    expect(done.confusion).toEqual({ tn: 10, fp: 1, fn: 2, tp: 3 })
    expect(runs.listEpochs(db, run.id)).toEqual([{ epoch: 1, metrics: { loss: 0.5 }, confusion: { tn: 1, fp: 2, fn: 3, tp: 4 }, histogram: null }])
    runs.addEpoch(db, run.id, { epoch: 2, metrics: { loss: 0.4 }, confusion: null, histogram: { edges: [0, 0.5, 1], normal: [3, 1], anomalous: [0, 2] } })
    expect(runs.listEpochs(db, run.id)[1].histogram).toEqual({ edges: [0, 0.5, 1], normal: [3, 1], anomalous: [0, 2] })
    expect(Array.from(runs.loadScores(db, run.id, 'test')!.scores)).toEqual([Math.fround(0.1), Math.fround(0.9)])
    expect(Array.from(runs.loadScores(db, run.id, 'test')!.starts!)).toEqual([5, 6])
    expect(runs.listLogs(db, run.id).map((l) => l.message)).toEqual(['hello'])
    // A final state is final.
    expect(runs.endRun(db, run.id, 'failed', 'late')).toBe(false)
    expect(runs.getRun(db, run.id)!.status).toBe('done')
  })

  it('packs labels, types and starts of stored scores, and still reads splits stored raw', () => {
    const exp = upsertExperiment(db, spec, null)
    const run = runs.createRun(db, { experimentId: exp.id, modelKind: 'iforest', params: {}, targets: [], workbenchVersion: 't' })
    const n = 5000
    const labels = Uint8Array.from({ length: n }, (_, i) => (i % 700 < 20 ? 1 : 0))
    const types = Uint8Array.from(labels, (l, i) => l * (1 + (i % 3)))
    // Strided windows over two segments, and a jump to -2^31 whose delta wraps: it still comes back.
    const starts = Int32Array.from({ length: n }, (_, i) => (i < 3000 ? 10 + 4 * i : 20_000 + 4 * i))
    starts[n - 1] = -2_147_483_648
    const scores = Float32Array.from({ length: n }, (_, i) => Math.sin(i))
    runs.saveScores(db, run.id, { split: 'test', datasetId: null, scores, labels, types, starts, windowLength: 8 })
    const back = runs.loadScores(db, run.id, 'test')!
    expect(Array.from(back.labels)).toEqual(Array.from(labels))
    expect(Array.from(back.types!)).toEqual(Array.from(types))
    expect(Array.from(back.starts!)).toEqual(Array.from(starts))
    expect(Array.from(back.scores)).toEqual(Array.from(scores))
    const bytes = db.prepare("SELECT length(labels) + length(types) + length(starts) FROM run_scores WHERE run_id = ?").pluck().get(run.id) as number
    expect(bytes).toBeLessThan(n / 4)
    // A split stored before packing (raw arrays, packing NULL) reads as it did.
    db.prepare("UPDATE run_scores SET labels = ?, types = NULL, starts = ?, packing = NULL WHERE run_id = ?").run(Buffer.from(labels), Buffer.from(starts.buffer), run.id)
    const raw = runs.loadScores(db, run.id, 'test')!
    expect(Array.from(raw.labels)).toEqual(Array.from(labels))
    expect(raw.types).toBeNull()
    expect(Array.from(raw.starts!)).toEqual(Array.from(starts))
  })

  it('a skipped trial keeps no run (its never-started run is removed); a cancelled trial\'s queued run is cancelled', () => {
    const exp = upsertExperiment(db, spec, null)
    const [a, b] = trials.addTrials(db, exp.id, [
      { identity: 'a', ordinal: 0, params: {} },
      { identity: 'b', ordinal: 1, params: {} }
    ])
    // Both queued with a run each (as a single trial, or a workspace from before 0.2, has one).
    const runA = runs.createRun(db, { experimentId: exp.id, modelKind: 'iforest', params: {}, targets: [], workbenchVersion: 't', trialId: a })
    const runB = runs.createRun(db, { experimentId: exp.id, modelKind: 'iforest', params: {}, targets: [], workbenchVersion: 't', trialId: b })
    trials.setTrialRun(db, a, runA.id)
    trials.setTrialRun(db, b, runB.id)

    const skipped = trials.endQueuedTrials(db, [a], 'skipped', 'skipped: another trial met every target')
    expect(skipped.map((t) => [t.id, t.status, t.runId])).toEqual([[a, 'skipped', null]])
    expect(trials.getTrial(db, a)).toMatchObject({ status: 'skipped', runId: null })
    expect(runs.getRun(db, runA.id)).toBeNull()

    trials.endQueuedTrials(db, [b], 'cancelled', 'cancelled by the user')
    expect(trials.getTrial(db, b)).toMatchObject({ status: 'cancelled', runId: runB.id })
    expect(runs.getRun(db, runB.id)).toMatchObject({ status: 'cancelled', statusReason: 'cancelled by the user' })
  })

  it('reads a run summary from its summary columns only, never parsing curves or the model', () => {
    const exp = upsertExperiment(db, spec, null)
    const run = runs.createRun(db, { experimentId: exp.id, modelKind: 'iforest', params: { nEstimators: 10 }, targets: [], workbenchVersion: 't' })
    runs.markRunning(db, run.id, 1234, registerHost(db))
    const target = { text: 'precision >= 0.5', metric: 'precision', op: '>=' as const, value: 0.5, actual: 0.9, met: true }
    recordRunOutcome(db, run.id, {
      status: 'done',
      results: { threshold: 0.6, metrics: { precision: 0.9 }, trainMetrics: null, validationMetrics: null, confusion: { tn: 1, fp: 0, fn: 0, tp: 1 }, targets: [target], curves: { roc: 1 }, recallByType: {}, model: { kind: 'iforest' } },
      scores: []
    })
    const full = runs.getRun(db, run.id)!
    const summary = runs.getRunSummary(db, run.id)!
    const { id, experimentId, experimentName, modelKind, params, status, statusReason, metrics, targets, createdAt, startedAt, finishedAt, durationMs, agent } = full
    expect(summary).toEqual({ id, experimentId, experimentName, modelKind, params, status, statusReason, metrics, targets, createdAt, startedAt, finishedAt, durationMs, agent })
    expect(runs.listRunSummaries(db).find((r) => r.id === run.id)).toEqual(summary)
    expect(runs.getRunSummary(db, 9999)).toBeNull()
    // A curves column that no longer parses breaks the full read, not the summary (it never reads it).
    db.prepare("UPDATE runs SET curves = '{not json', model = '{not json' WHERE id = ?").run(run.id)
    expect(() => runs.getRun(db, run.id)).toThrow()
    expect(runs.getRunSummary(db, run.id)).toEqual(summary)
  })

  it('marks runs of a dead process interrupted, and leaves live ones alone', () => {
    const exp = upsertExperiment(db, spec, null)
    const mine = runs.createRun(db, { experimentId: exp.id, modelKind: 'iforest', params: {}, targets: [], workbenchVersion: 't' })
    const dead = runs.createRun(db, { experimentId: exp.id, modelKind: 'iforest', params: {}, targets: [], workbenchVersion: 't' })
    db.prepare('UPDATE runs SET host_pid = 999999999, status = ? WHERE id = ?').run('running', dead.id)
    expect(reclaimOrphans(db, registerHost(db), 30_000, 'gone').interrupted).toEqual([dead.id])
    expect(runs.getRun(db, dead.id)).toMatchObject({ status: 'interrupted', statusReason: 'gone' })
    expect(runs.getRun(db, mine.id)!.status).toBe('queued')
  })
})

/**
 * Runs and everything measured about them: status transitions, results, per-epoch history,
 * per-window scores and logs. Status moves only forward (queued → running → a final state); a
 * run ends together with its trial in outcomes-repo.ts, and a run whose process died is marked
 * interrupted there too (`reclaimOrphans`).
 */
import type { Db } from './database'
import { nowIso, stmt } from './database'
import { toBlob, fromBlob, packedBlob, fromPackedBlob } from './arrays'
import { modelFromStore } from './model-blobs-repo'
import { FINAL_STATUSES, type BackendReport, type Epoch, type PartRows, type PerSegmentResult, type RunLog, type RunStatus, type ScoreSplit } from './run-schemas'
import type { Confusion, ScoreHistogram, TypeRecall } from '../eval/result-schemas'
import type { TargetResult } from '../eval/targets'

export { FINAL_STATUSES } from './run-schemas'
export type { RunStatus, PartRows, PerSegmentResult, BackendReport, Epoch, RunLog } from './run-schemas'

/**
 * What a run summary shows (the runs list, `run.changed`, the history list): none of the large
 * JSON columns (curves, model, per-segment results), which a progress tick must not parse.
 */
export interface RunSummaryRecord {
  id: number
  experimentId: number
  experimentName: string
  modelKind: string
  params: Record<string, unknown>
  status: RunStatus
  statusReason: string | null
  /** Test metrics once the run is done. */
  metrics: Record<string, number> | null
  targets: TargetResult[]
  createdAt: string
  startedAt: string | null
  finishedAt: string | null
  durationMs: number | null
  /** The workbench agent that ran it; null on this host's own workers. */
  agent: string | null
}

export interface RunRecord extends RunSummaryRecord {
  backend: BackendReport | null
  trainDatasetId: string | null
  testDatasetId: string | null
  /** A third dataset that validated (separate-test splits that name one); else validation rows are train rows. */
  validationDatasetId: string | null
  threshold: number | null
  trainMetrics: Record<string, number> | null
  validationMetrics: Record<string, number> | null
  perSegment: PerSegmentResult[] | null
  partRows: PartRows | null
  confusion: Confusion | null
  curves: unknown
  recallByType: Record<string, TypeRecall>
  workbenchVersion: string
  trialId: number | null
  workerPid: number | null
}

/** The columns of a summary as SQLite returns them (history-repo.ts selects them too, with more). */
export interface SummaryRow {
  id: number
  experiment_id: number
  experiment_name: string
  model_kind: string
  params: string
  status: RunStatus
  status_reason: string | null
  metrics: string | null
  targets: string
  created_at: string
  started_at: string | null
  finished_at: string | null
  duration_ms: number | null
  agent: string | null
}

interface Row extends SummaryRow {
  backend: string | null
  train_dataset_id: string | null
  test_dataset_id: string | null
  validation_dataset_id: string | null
  threshold: number | null
  train_metrics: string | null
  validation_metrics: string | null
  per_segment: string | null
  part_rows: string | null
  confusion: string | null
  curves: string | null
  recall_by_type: string | null
  workbench_version: string
  trial_id: number | null
  worker_pid: number | null
}

const json = <T>(s: string | null, fallback: T): T => (s == null ? fallback : (JSON.parse(s) as T))

export function toSummaryRecord(r: SummaryRow): RunSummaryRecord {
  return {
    id: r.id,
    experimentId: r.experiment_id,
    experimentName: r.experiment_name,
    modelKind: r.model_kind,
    params: JSON.parse(r.params),
    status: r.status,
    statusReason: r.status_reason,
    metrics: json(r.metrics, null),
    targets: json(r.targets, []),
    createdAt: r.created_at,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    durationMs: r.duration_ms,
    agent: r.agent ?? null
  }
}

function toRecord(r: Row): RunRecord {
  return {
    ...toSummaryRecord(r),
    backend: json(r.backend, null),
    trainDatasetId: r.train_dataset_id,
    testDatasetId: r.test_dataset_id,
    validationDatasetId: r.validation_dataset_id,
    threshold: r.threshold,
    trainMetrics: json(r.train_metrics, null),
    validationMetrics: json(r.validation_metrics, null),
    perSegment: json(r.per_segment, null),
    partRows: json(r.part_rows, null),
    confusion: json(r.confusion, null),
    curves: json(r.curves, null),
    recallByType: json(r.recall_by_type, {}),
    workbenchVersion: r.workbench_version,
    trialId: r.trial_id,
    workerPid: r.worker_pid
  }
}

const SELECT = `SELECT runs.*, experiments.name AS experiment_name FROM runs JOIN experiments ON experiments.id = runs.experiment_id`

export function createRun(
  db: Db,
  r: {
    experimentId: number
    modelKind: string
    params: Record<string, unknown>
    targets: TargetResult[]
    workbenchVersion: string
    trialId?: number
  }
): RunRecord {
  const info = db
    .prepare(
      `INSERT INTO runs (experiment_id, trial_id, model_kind, params, status, targets, workbench_version, host_pid, created_at)
       VALUES (?, ?, ?, ?, 'queued', ?, ?, ?, ?)`
    )
    .run(r.experimentId, r.trialId ?? null, r.modelKind, JSON.stringify(r.params), JSON.stringify(r.targets), r.workbenchVersion, process.pid, nowIso())
  return getRun(db, Number(info.lastInsertRowid))!
}

/** What a leaderboard shows of a run: no curves, no model (they are large and parsed per row). */
export interface RunBrief {
  id: number
  status: RunStatus
  /** Test metrics. */
  metrics: Record<string, number> | null
  validationMetrics: Record<string, number> | null
  targets: TargetResult[]
  durationMs: number | null
}

interface BriefRow {
  id: number
  status: RunStatus
  metrics: string | null
  validation_metrics: string | null
  per_segment: string | null
  part_rows: string | null
  targets: string
  duration_ms: number | null
}

const toBrief = (r: BriefRow): RunBrief => ({
  id: r.id,
  status: r.status,
  metrics: json(r.metrics, null),
  validationMetrics: json(r.validation_metrics, null),
  targets: json(r.targets, []),
  durationMs: r.duration_ms
})

/** The briefs of an experiment's runs, by run id: one query for a whole leaderboard. */
export function runBriefs(db: Db, experimentId: number): Map<number, RunBrief> {
  const rows = stmt(db, 'SELECT id, status, metrics, validation_metrics, targets, duration_ms FROM runs WHERE experiment_id = ?').all(experimentId) as BriefRow[]
  return new Map(rows.map((r) => [r.id, toBrief(r)]))
}

/** The briefs of the current runs of an experiment's done trials, with their trial ids. */
export function doneTrialBriefs(db: Db, experimentId: number): (RunBrief & { trialId: number })[] {
  const rows = stmt(
    db,
    `SELECT t.id AS trial_id, r.id, r.status, r.metrics, r.validation_metrics, r.targets, r.duration_ms FROM trials t JOIN runs r ON r.id = t.run_id
     WHERE t.experiment_id = ? AND t.status = 'done'`
  ).all(experimentId) as (BriefRow & { trial_id: number })[]
  return rows.map((r) => ({ ...toBrief(r), trialId: r.trial_id }))
}

/** A trial's runs before `beforeRunId`, newest first (the host looks there for a resume checkpoint). */
export function earlierTrialRuns(db: Db, trialId: number, beforeRunId: number): { id: number; status: RunStatus }[] {
  return stmt(db, 'SELECT id, status FROM runs WHERE trial_id = ? AND id < ? ORDER BY id DESC').all(trialId, beforeRunId) as { id: number; status: RunStatus }[]
}

export function getRun(db: Db, id: number): RunRecord | null {
  const r = stmt(db, `${SELECT} WHERE runs.id = ?`).get(id) as Row | undefined
  return r ? toRecord(r) : null
}

const SELECT_SUMMARY = `SELECT runs.id, runs.experiment_id, experiments.name AS experiment_name, runs.model_kind, runs.params, runs.status,
  runs.status_reason, runs.metrics, runs.targets, runs.created_at, runs.started_at, runs.finished_at, runs.duration_ms, runs.agent
  FROM runs JOIN experiments ON experiments.id = runs.experiment_id`

/** A run's summary, reading only its summary columns (what a `run.changed` event sends on every progress tick). */
export function getRunSummary(db: Db, id: number): RunSummaryRecord | null {
  const r = stmt(db, `${SELECT_SUMMARY} WHERE runs.id = ?`).get(id) as SummaryRow | undefined
  return r ? toSummaryRecord(r) : null
}

/** Every run's summary, newest first, without parsing any run's curves or model. */
export function listRunSummaries(db: Db): RunSummaryRecord[] {
  return (stmt(db, `${SELECT_SUMMARY} ORDER BY runs.id DESC`).all() as SummaryRow[]).map(toSummaryRecord)
}

/** The run starts in a worker of `owner` (hosts-repo); false when it is no longer queued. */
export function markRunning(db: Db, id: number, workerPid: number | null, owner: string): boolean {
  return (
    db
      .prepare(`UPDATE runs SET status = 'running', worker_pid = ?, host_pid = ?, owner = ?, started_at = ? WHERE id = ? AND status = 'queued'`)
      .run(workerPid, process.pid, owner, nowIso(), id).changes === 1
  )
}

export function setRunAgent(db: Db, id: number, agent: string): void {
  stmt(db, 'UPDATE runs SET agent = ? WHERE id = ?').run(agent, id)
}

/** A remote run that came back to run on this machine: no agent, its local worker's pid. */
export function setRunLocal(db: Db, id: number, workerPid: number | null): void {
  stmt(db, 'UPDATE runs SET agent = NULL, worker_pid = ? WHERE id = ?').run(workerPid, id)
}

export function setRunBackend(db: Db, id: number, backend: RunRecord['backend']): void {
  stmt(db, 'UPDATE runs SET backend = ? WHERE id = ?').run(JSON.stringify(backend), id)
}

export function setRunDatasets(db: Db, id: number, trainId: string, testId: string): void {
  stmt(db, 'UPDATE runs SET train_dataset_id = ?, test_dataset_id = ? WHERE id = ?').run(trainId, testId, id)
}

export function setRunValidationDataset(db: Db, id: number, validationId: string): void {
  stmt(db, 'UPDATE runs SET validation_dataset_id = ? WHERE id = ?').run(validationId, id)
}

export function setRunParams(db: Db, id: number, params: Record<string, unknown>): void {
  stmt(db, 'UPDATE runs SET params = ? WHERE id = ?').run(JSON.stringify(params), id)
}

export function durationSince(startedAt: string | null): number | null {
  return startedAt ? Date.now() - Date.parse(startedAt) : null
}

/**
 * Ends a run that has no trial to keep in step (a queued run cancelled with its trial by the
 * caller's transaction); a run already in a final state keeps it. Runs that ran end through
 * `recordRunOutcome` (outcomes-repo.ts), which moves the trial in the same transaction.
 */
export function endRun(db: Db, id: number, status: 'failed' | 'cancelled' | 'interrupted', reason: string): boolean {
  const run = getRun(db, id)
  if (!run || FINAL_STATUSES.includes(run.status)) return false
  stmt(db, `UPDATE runs SET status = ?, status_reason = ?, owner = NULL, finished_at = ?, duration_ms = ? WHERE id = ?`).run(
    status,
    reason,
    nowIso(),
    durationSince(run.startedAt),
    id
  )
  return true
}

/** Removes a run that never started (nothing refers to it but its trial, which the caller clears). */
export function deleteQueuedRun(db: Db, id: number): boolean {
  return stmt(db, `DELETE FROM runs WHERE id = ? AND status = 'queued'`).run(id).changes === 1
}

/** A split's per-window scores as stored: with each window's first row in its dataset version. */
export interface ScoresToStore {
  split: ScoreSplit
  datasetId: string | null
  scores: Float32Array
  labels: Uint8Array
  types: Uint8Array | null
  /** First row of each window in the version; null for runs stored before scores were traced. */
  starts: Int32Array | null
  windowLength: number | null
}

/** Labels, types and starts packed (`packing` 'deflate', migration 12): a few hundred bytes where they were 10 per window. */
export function saveScores(db: Db, runId: number, s: ScoresToStore): void {
  stmt(
    db,
    `INSERT OR REPLACE INTO run_scores (run_id, split, dataset_id, count, scores, labels, types, starts, window_length, packing) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'deflate')`
  ).run(
    runId,
    s.split,
    s.datasetId,
    s.scores.length,
    toBlob(s.scores),
    packedBlob.u8(s.labels),
    s.types ? packedBlob.u8(s.types) : null,
    s.starts ? packedBlob.i32Steps(s.starts) : null,
    s.windowLength
  )
}

export function loadScores(db: Db, runId: number, split: ScoreSplit): ScoresToStore | null {
  const r = stmt(db, 'SELECT * FROM run_scores WHERE run_id = ? AND split = ?').get(runId, split) as
    | { split: ScoreSplit; scores: Buffer; labels: Buffer; types: Buffer | null; dataset_id: string | null; starts: Buffer | null; window_length: number | null; packing: string | null }
    | undefined
  if (!r) return null
  const packed = r.packing === 'deflate'
  const u8 = packed ? fromPackedBlob.u8 : fromBlob.u8
  return {
    split: r.split,
    scores: fromBlob.f32(r.scores),
    labels: u8(r.labels),
    types: r.types ? u8(r.types) : null,
    datasetId: r.dataset_id,
    starts: r.starts ? (packed ? fromPackedBlob.i32Steps : fromBlob.i32)(r.starts) : null,
    windowLength: r.window_length
  }
}

/** Which splits a run stored scores for, with their size and whether they trace to rows. */
export function scoreSplits(db: Db, runId: number): { split: ScoreSplit; count: number; datasetId: string | null; traced: boolean }[] {
  return (
    stmt(db, `SELECT split, count, dataset_id, starts IS NOT NULL AS traced FROM run_scores WHERE run_id = ? ORDER BY CASE split WHEN 'train' THEN 0 WHEN 'validation' THEN 1 ELSE 2 END`).all(
      runId
    ) as { split: ScoreSplit; count: number; dataset_id: string | null; traced: number }[]
  ).map((r) => ({ split: r.split, count: r.count, datasetId: r.dataset_id, traced: r.traced === 1 }))
}

/**
 * Histograms are stored as one Float32 blob: [bins, edges (bins + 1), normal (bins), anomalous
 * (bins)] — compact arrays, so any epoch can be replayed without storing images.
 */
function packHistogram(h: ScoreHistogram): Buffer {
  const bins = h.normal.length
  return toBlob(Float32Array.from([bins, ...h.edges, ...h.normal, ...h.anomalous]))
}

function unpackHistogram(b: Buffer): ScoreHistogram {
  const a = fromBlob.f32(b)
  const bins = a[0]
  return {
    edges: Array.from(a.subarray(1, bins + 2)),
    normal: Array.from(a.subarray(bins + 2, 2 * bins + 2)),
    anomalous: Array.from(a.subarray(2 * bins + 2, 3 * bins + 2))
  }
}

export function addEpoch(db: Db, runId: number, e: Epoch): void {
  stmt(db, 
    `INSERT OR REPLACE INTO run_epochs (run_id, epoch, metrics, confusion, histogram, created_at) VALUES (?, ?, ?, ?, ?, ?)`
  ).run(runId, e.epoch, JSON.stringify(e.metrics), e.confusion ? JSON.stringify(e.confusion) : null, e.histogram ? packHistogram(e.histogram) : null, nowIso())
}

export function listEpochs(db: Db, runId: number): Epoch[] {
  return (
    stmt(db, 'SELECT epoch, metrics, confusion, histogram FROM run_epochs WHERE run_id = ? ORDER BY epoch').all(runId) as {
      epoch: number
      metrics: string
      confusion: string | null
      histogram: Buffer | null
    }[]
  ).map((r) => ({ epoch: r.epoch, metrics: JSON.parse(r.metrics), confusion: json(r.confusion, null), histogram: r.histogram ? unpackHistogram(r.histogram) : null }))
}

export function appendLog(db: Db, log: RunLog): void {
  stmt(db, 'INSERT INTO run_logs (run_id, at, level, message) VALUES (?, ?, ?, ?)').run(log.runId, log.at, log.level, log.message)
}

export function listLogs(db: Db, runId: number, limit = 500): RunLog[] {
  return (
    db
      .prepare('SELECT run_id, at, level, message FROM (SELECT * FROM run_logs WHERE run_id = ? ORDER BY id DESC LIMIT ?) ORDER BY id')
      .all(runId, limit) as { run_id: number; at: string; level: RunLog['level']; message: string }[]
  ).map((r) => ({ runId: r.run_id, at: r.at, level: r.level, message: r.message }))
}

/** The trained model a run stored (results.model, its typed arrays read back), or null before it finished. */
export function getRunModel(db: Db, id: number): Record<string, unknown> | null {
  const r = stmt(db, 'SELECT model FROM runs WHERE id = ?').pluck().get(id) as string | null | undefined
  return r ? modelFromStore(db, r) : null
}

/** Runs that trained or tested on a dataset version, oldest first. */
export function runIdsUsingDataset(db: Db, datasetId: string): number[] {
  return stmt(db, 'SELECT id FROM runs WHERE train_dataset_id = ? OR test_dataset_id = ? ORDER BY id').pluck().all(datasetId, datasetId) as number[]
}

/**
 * Finished runs of one model kind and their mean duration: what a new search of that kind may
 * expect per trial (the search builder's estimate). Mean null when there are none.
 */
export function doneDurationsOfKind(db: Db, modelKind: string): { runs: number; meanMs: number | null } {
  const r = stmt(db, `SELECT COUNT(*) AS n, AVG(duration_ms) AS mean FROM runs WHERE model_kind = ? AND status = 'done' AND duration_ms IS NOT NULL`).get(modelKind) as {
    n: number
    mean: number | null
  }
  return { runs: r.n, meanMs: r.mean }
}

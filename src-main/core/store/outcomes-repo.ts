/**
 * The transitions that touch a run and its trial together, each in one write transaction, so no
 * crash can leave them disagreeing:
 * - `recordRunOutcome`: a run ends (done with its results and scores, failed, cancelled or
 *   interrupted) and its trial follows (done, failed, cancelled, or back to the queue).
 * - `reclaimOrphans`: trials and runs whose owning process died go back to the queue — except a
 *   trial whose run already finished, which takes that run's outcome instead of running again.
 */
import type { Db } from './database'
import { nowIso, writeTransaction, stmt } from './database'
import { crashPoint } from '../crash-point'
import { durationSince, getRun, saveScores } from './runs-repo'
import { FINAL_STATUSES, type RunResults, type RunStatus, type TrialStatus } from './run-schemas'
import { deadOwnerCheck, forgetDeadHosts } from './hosts-repo'
import { modelToStore } from './model-blobs-repo'

export type { ScoresToStore } from './runs-repo'
import type { ScoresToStore } from './runs-repo'

export type RunOutcome =
  | { status: 'done'; results: RunResults; scores: ScoresToStore[] }
  | { status: 'failed' | 'cancelled' | 'interrupted'; reason: string }

/** What a trial becomes when its run ends so: an interrupted run's trial is queued again. */
export function trialStatusFor(run: RunStatus): TrialStatus {
  switch (run) {
    case 'done':
      return 'done'
    case 'cancelled':
      return 'cancelled'
    case 'failed':
      return 'failed'
    default:
      return 'queued'
  }
}

/**
 * Ends a run and its trial in one transaction. A run already in a final state keeps it (false):
 * e.g. a run another process reclaimed after this one lost its lease is not completed twice.
 */
export function recordRunOutcome(db: Db, runId: number, outcome: RunOutcome): boolean {
  return writeTransaction(db, () => {
    const run = getRun(db, runId)
    if (!run) throw new Error(`run ${runId} not found`)
    if (FINAL_STATUSES.includes(run.status)) return false
    const finishedAt = nowIso()
    if (outcome.status === 'done') {
      const r = outcome.results
      for (const s of outcome.scores) saveScores(db, runId, s)
      stmt(db, 
        `UPDATE runs SET status = 'done', status_reason = NULL, owner = NULL, threshold = ?, metrics = ?, train_metrics = ?, validation_metrics = ?,
           per_segment = ?, part_rows = ?, confusion = ?, targets = ?, curves = ?, recall_by_type = ?, model = ?, finished_at = ?, duration_ms = ? WHERE id = ?`
      ).run(
        r.threshold,
        JSON.stringify(r.metrics),
        r.trainMetrics ? JSON.stringify(r.trainMetrics) : null,
        r.validationMetrics ? JSON.stringify(r.validationMetrics) : null,
        r.perSegment ? JSON.stringify(r.perSegment) : null,
        r.partRows ? JSON.stringify(r.partRows) : null,
        JSON.stringify(r.confusion),
        JSON.stringify(r.targets),
        JSON.stringify(r.curves),
        JSON.stringify(r.recallByType),
        modelToStore(db, r.model),
        finishedAt,
        durationSince(run.startedAt),
        runId
      )
    } else {
      stmt(db, `UPDATE runs SET status = ?, status_reason = ?, owner = NULL, finished_at = ?, duration_ms = ? WHERE id = ?`).run(
        outcome.status,
        outcome.reason,
        finishedAt,
        durationSince(run.startedAt),
        runId
      )
    }
    crashPoint('outcome:after-run-write')
    // The trial follows only if this run is still its current one (a retried trial has moved on).
    stmt(db, 
      `UPDATE trials SET status = ?, owner = NULL, host_pid = NULL, updated_at = ? WHERE id = ? AND run_id = ? AND status IN ('running', 'queued')`
    ).run(trialStatusFor(outcome.status), finishedAt, run.trialId, runId)
    return true
  })
}

export interface Reclaimed {
  /** Trials handed back to the queue. */
  requeued: number[]
  /** Trials whose run had finished before their owner died: they took its outcome. */
  settled: number[]
  /** Runs marked interrupted. */
  interrupted: number[]
  /** Experiments touched. */
  experiments: number[]
}

/**
 * Work owned by dead processes is reclaimed. `self` is this process's owner id (never dead to
 * itself); `leaseMs` how old a heartbeat may be.
 */
export function reclaimOrphans(db: Db, self: string, leaseMs: number, reason: string, now = Date.now()): Reclaimed {
  return writeTransaction(db, () => {
    const isDead = deadOwnerCheck(db, self, leaseMs, now)
    const out: Reclaimed = { requeued: [], settled: [], interrupted: [], experiments: [] }
    const touched = new Set<number>()
    const at = nowIso()
    const interruptRun = stmt(db, 
      `UPDATE runs SET status = 'interrupted', status_reason = ?, owner = NULL, finished_at = ?,
         duration_ms = CASE WHEN started_at IS NULL THEN NULL ELSE (julianday(?) - julianday(started_at)) * 86400000.0 END
       WHERE id = ? AND status IN ('queued', 'running')`
    )
    const setTrial = stmt(db, `UPDATE trials SET status = ?, owner = NULL, host_pid = NULL, updated_at = ? WHERE id = ? AND status = 'running'`)
    const running = db
      .prepare(
        `SELECT t.id, t.experiment_id, t.owner, t.host_pid, t.run_id, r.status AS run_status
         FROM trials t LEFT JOIN runs r ON r.id = t.run_id WHERE t.status = 'running'`
      )
      .all() as { id: number; experiment_id: number; owner: string | null; host_pid: number | null; run_id: number | null; run_status: RunStatus | null }[]
    for (const t of running) {
      if (!isDead(t.owner, t.host_pid)) continue
      touched.add(t.experiment_id)
      if (t.run_status && FINAL_STATUSES.includes(t.run_status) && t.run_status !== 'interrupted') {
        // The run finished and only the trial's update was lost: the trial takes the outcome.
        setTrial.run(trialStatusFor(t.run_status), at, t.id)
        out.settled.push(t.id)
        continue
      }
      if (t.run_id !== null && interruptRun.run(reason, at, at, t.run_id).changes > 0) out.interrupted.push(t.run_id)
      setTrial.run('queued', at, t.id)
      out.requeued.push(t.id)
    }
    // Runs left running by a dead owner with no running trial over them (older workspaces).
    const openRuns = stmt(db, `SELECT id, experiment_id, owner, host_pid FROM runs WHERE status = 'running'`).all() as {
      id: number
      experiment_id: number
      owner: string | null
      host_pid: number | null
    }[]
    for (const r of openRuns) {
      if (!isDead(r.owner, r.host_pid)) continue
      if (interruptRun.run(reason, at, at, r.id).changes > 0) {
        out.interrupted.push(r.id)
        touched.add(r.experiment_id)
      }
    }
    forgetDeadHosts(db, self, leaseMs, now)
    out.experiments = [...touched]
    return out
  })
}

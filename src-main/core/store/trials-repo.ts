/**
 * The persistent trial queue. Trials move queued → running → done | failed | cancelled, or
 * skipped (an experiment stopped early). Claiming is one conditional UPDATE under the write lock,
 * so two schedulers on one workspace (the app and a CLI) can never start the same trial; a trial
 * whose owner died goes back to the queue (outcomes-repo.ts `reclaimOrphans`) — none is lost,
 * none runs twice to completion.
 */
import type { Db } from './database'
import { nowIso, writeTransaction, stmt } from './database'
import { deleteQueuedRun, endRun, getRun } from './runs-repo'

import type { TrialStatus } from './run-schemas'

export type { TrialStatus } from './run-schemas'

export interface TrialRecord {
  id: number
  experimentId: number
  identity: string
  ordinal: number
  params: Record<string, unknown>
  priority: number
  status: TrialStatus
  attempts: number
  runId: number | null
  /** The process running it (hosts-repo owner id), while running. */
  owner: string | null
  createdAt: string
  updatedAt: string
}

interface Row {
  id: number
  experiment_id: number
  identity: string
  ordinal: number
  params: string
  priority: number
  status: TrialStatus
  attempts: number
  run_id: number | null
  owner: string | null
  created_at: string
  updated_at: string
}

function toRecord(r: Row): TrialRecord {
  return {
    id: r.id,
    experimentId: r.experiment_id,
    identity: r.identity,
    ordinal: r.ordinal,
    params: JSON.parse(r.params),
    priority: r.priority,
    status: r.status,
    attempts: r.attempts,
    runId: r.run_id,
    owner: r.owner,
    createdAt: r.created_at,
    updatedAt: r.updated_at
  }
}

/** Adds the trials not yet known (by identity); returns the ids of the new ones. */
export function addTrials(db: Db, experimentId: number, plans: { identity: string; ordinal: number; params: Record<string, unknown> }[]): number[] {
  const insert = stmt(db, 
    `INSERT INTO trials (experiment_id, identity, ordinal, params, status, created_at, updated_at)
     VALUES (?, ?, ?, ?, 'queued', ?, ?) ON CONFLICT (experiment_id, identity) DO NOTHING`
  )
  const added: number[] = []
  writeTransaction(db, () => {
    const now = nowIso()
    for (const p of plans) {
      const info = insert.run(experimentId, p.identity, p.ordinal, JSON.stringify(p.params), now, now)
      if (info.changes > 0) added.push(Number(info.lastInsertRowid))
    }
  })
  return added
}

export function getTrial(db: Db, id: number): TrialRecord | null {
  const r = stmt(db, 'SELECT * FROM trials WHERE id = ?').get(id) as Row | undefined
  return r ? toRecord(r) : null
}

export function listTrials(db: Db, experimentId: number): TrialRecord[] {
  return (stmt(db, 'SELECT * FROM trials WHERE experiment_id = ? ORDER BY ordinal').all(experimentId) as Row[]).map(toRecord)
}

export function trialsByIdentity(db: Db, experimentId: number, identities: string[]): TrialRecord[] {
  const all = listTrials(db, experimentId)
  const wanted = new Set(identities)
  return all.filter((t) => wanted.has(t.identity))
}

/**
 * The next trial to start: of an active experiment, highest experiment priority, then trial
 * priority, then the search's order. `busy` counts running trials per experiment, so one that
 * reached its own concurrency is passed over.
 */
export function nextQueuedTrial(db: Db, skipExperiments: number[], onlyExperiment: number | null = null): TrialRecord | null {
  const skip = skipExperiments.length ? `AND t.experiment_id NOT IN (${skipExperiments.map(() => '?').join(',')})` : ''
  const only = onlyExperiment !== null ? 'AND t.experiment_id = ?' : ''
  const r = db
    .prepare(
      `SELECT t.* FROM trials t JOIN experiments e ON e.id = t.experiment_id
       WHERE t.status = 'queued' AND e.status = 'active' ${skip} ${only}
       ORDER BY e.priority DESC, t.priority DESC, e.id, t.ordinal LIMIT 1`
    )
    .get(...skipExperiments, ...(onlyExperiment !== null ? [onlyExperiment] : [])) as Row | undefined
  return r ? toRecord(r) : null
}

/** Atomically takes a queued trial for `owner`; false when someone else was first. */
export function claimTrial(db: Db, trialId: number, runId: number, owner: string): boolean {
  const info = db
    .prepare(
      `UPDATE trials SET status = 'running', run_id = ?, owner = ?, host_pid = ?, attempts = attempts + 1, updated_at = ?
       WHERE id = ? AND status = 'queued'`
    )
    .run(runId, owner, process.pid, nowIso(), trialId)
  return info.changes === 1
}

/** The trial's latest run. */
export function setTrialRun(db: Db, trialId: number, runId: number): void {
  stmt(db, 'UPDATE trials SET run_id = ?, updated_at = ? WHERE id = ?').run(runId, nowIso(), trialId)
}

/**
 * Queued trials become cancelled or skipped, in one transaction. A cancelled trial's queued run
 * is cancelled with the reason (the user stopped it: its page says so). A skipped trial never ran
 * and never will: a run still queued for it (a single trial gets one at once; workspaces from
 * before 0.2 made one per trial) is removed rather than shown as a cancelled run. Trials no longer
 * queued (another process started one) are left alone.
 */
export function endQueuedTrials(db: Db, trialIds: number[], status: 'cancelled' | 'skipped', reason: string): TrialRecord[] {
  const end = stmt(db, `UPDATE trials SET status = ?, owner = NULL, host_pid = NULL, updated_at = ? WHERE id = ? AND status = 'queued'`)
  return writeTransaction(db, () => {
    const ended: TrialRecord[] = []
    for (const id of trialIds) {
      if (end.run(status, nowIso(), id).changes === 0) continue
      const t = getTrial(db, id)!
      if (t.runId && status === 'skipped' && getRun(db, t.runId)?.status === 'queued') {
        stmt(db, 'UPDATE trials SET run_id = NULL WHERE id = ?').run(id)
        deleteQueuedRun(db, t.runId)
        ended.push({ ...t, runId: null })
      } else {
        if (t.runId) endRun(db, t.runId, 'cancelled', reason)
        ended.push(t)
      }
    }
    return ended
  })
}

export function setTrialPriority(db: Db, trialId: number, priority: number): void {
  stmt(db, 'UPDATE trials SET priority = ?, updated_at = ? WHERE id = ?').run(priority, nowIso(), trialId)
}

export function countByStatus(db: Db, experimentId: number): Record<TrialStatus, number> {
  const counts: Record<TrialStatus, number> = { queued: 0, running: 0, done: 0, failed: 0, cancelled: 0, skipped: 0 }
  for (const r of stmt(db, 'SELECT status, COUNT(*) AS n FROM trials WHERE experiment_id = ? GROUP BY status').all(experimentId) as {
    status: TrialStatus
    n: number
  }[]) {
    counts[r.status] = r.n
  }
  return counts
}

/** Failed (and cancelled, skipped) trials back to the queue: "retry failed only" is one action. */
export function requeueTrials(db: Db, experimentId: number, statuses: TrialStatus[]): number[] {
  const placeholders = statuses.map(() => '?').join(',')
  const ids = db
    .prepare(`SELECT id FROM trials WHERE experiment_id = ? AND status IN (${placeholders})`)
    .pluck()
    .all(experimentId, ...statuses) as number[]
  const update = stmt(db, `UPDATE trials SET status = 'queued', owner = NULL, host_pid = NULL, updated_at = ? WHERE id = ? AND status IN (${placeholders})`)
  return writeTransaction(db, () => ids.filter((id) => update.run(nowIso(), id, ...statuses).changes > 0))
}

/**
 * Per experiment, a fingerprint of its trials (count per status, latest update): a process
 * watching the workspace compares them to tell which experiments another process changed.
 */
export function queueFingerprints(db: Db): { experimentId: number; print: string }[] {
  return (
    db
      .prepare(
        `SELECT experiment_id AS experimentId, group_concat(status || ':' || n, ',') || '@' || MAX(latest) AS print FROM
           (SELECT experiment_id, status, COUNT(*) AS n, MAX(updated_at) AS latest FROM trials GROUP BY experiment_id, status ORDER BY status)
         GROUP BY experiment_id`
      )
      .all() as { experimentId: number; print: string }[]
  )
}

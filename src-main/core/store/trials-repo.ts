/**
 * The persistent trial queue. Trials move queued → running → done | failed | cancelled, or
 * skipped (an experiment stopped early). Claiming is one conditional UPDATE, so two schedulers on
 * one workspace (the app and a CLI) can never start the same trial; a trial whose owning process
 * died goes back to the queue at the next start — none is lost, none runs twice to completion.
 */
import type { Db } from './database'
import { nowIso } from './database'
import { processAlive } from './process-alive'

export type TrialStatus = 'queued' | 'running' | 'done' | 'failed' | 'cancelled' | 'skipped'

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
  hostPid: number | null
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
  host_pid: number | null
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
    hostPid: r.host_pid,
    createdAt: r.created_at,
    updatedAt: r.updated_at
  }
}

/** Adds the trials not yet known (by identity); returns the ids of the new ones. */
export function addTrials(db: Db, experimentId: number, plans: { identity: string; ordinal: number; params: Record<string, unknown> }[]): number[] {
  const insert = db.prepare(
    `INSERT INTO trials (experiment_id, identity, ordinal, params, status, created_at, updated_at)
     VALUES (?, ?, ?, ?, 'queued', ?, ?) ON CONFLICT (experiment_id, identity) DO NOTHING`
  )
  const added: number[] = []
  db.transaction(() => {
    const now = nowIso()
    for (const p of plans) {
      const info = insert.run(experimentId, p.identity, p.ordinal, JSON.stringify(p.params), now, now)
      if (info.changes > 0) added.push(Number(info.lastInsertRowid))
    }
  })()
  return added
}

export function getTrial(db: Db, id: number): TrialRecord | null {
  const r = db.prepare('SELECT * FROM trials WHERE id = ?').get(id) as Row | undefined
  return r ? toRecord(r) : null
}

export function listTrials(db: Db, experimentId: number): TrialRecord[] {
  return (db.prepare('SELECT * FROM trials WHERE experiment_id = ? ORDER BY ordinal').all(experimentId) as Row[]).map(toRecord)
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

/** Atomically takes a queued trial for this process; false when someone else was first. */
export function claimTrial(db: Db, trialId: number, runId: number): boolean {
  const info = db
    .prepare(
      `UPDATE trials SET status = 'running', run_id = ?, host_pid = ?, attempts = attempts + 1, updated_at = ?
       WHERE id = ? AND status = 'queued'`
    )
    .run(runId, process.pid, nowIso(), trialId)
  return info.changes === 1
}

export function setTrialStatus(db: Db, trialId: number, status: TrialStatus): void {
  db.prepare('UPDATE trials SET status = ?, host_pid = NULL, updated_at = ? WHERE id = ?').run(status, nowIso(), trialId)
}

export function setTrialPriority(db: Db, trialId: number, priority: number): void {
  db.prepare('UPDATE trials SET priority = ?, updated_at = ? WHERE id = ?').run(priority, nowIso(), trialId)
}

export function countByStatus(db: Db, experimentId: number): Record<TrialStatus, number> {
  const counts: Record<TrialStatus, number> = { queued: 0, running: 0, done: 0, failed: 0, cancelled: 0, skipped: 0 }
  for (const r of db.prepare('SELECT status, COUNT(*) AS n FROM trials WHERE experiment_id = ? GROUP BY status').all(experimentId) as {
    status: TrialStatus
    n: number
  }[]) {
    counts[r.status] = r.n
  }
  return counts
}

/** Queued trials of an experiment become `status` (cancel → cancelled, early stop → skipped). */
export function endQueuedTrials(db: Db, experimentId: number, status: 'cancelled' | 'skipped'): number {
  return db.prepare(`UPDATE trials SET status = ?, updated_at = ? WHERE experiment_id = ? AND status = 'queued'`).run(status, nowIso(), experimentId).changes
}

/** Failed (and cancelled, skipped) trials back to the queue: "retry failed only" is one action. */
export function requeueTrials(db: Db, experimentId: number, statuses: TrialStatus[]): number[] {
  const placeholders = statuses.map(() => '?').join(',')
  const ids = db
    .prepare(`SELECT id FROM trials WHERE experiment_id = ? AND status IN (${placeholders})`)
    .pluck()
    .all(experimentId, ...statuses) as number[]
  const update = db.prepare(`UPDATE trials SET status = 'queued', host_pid = NULL, updated_at = ? WHERE id = ?`)
  db.transaction(() => {
    for (const id of ids) update.run(nowIso(), id)
  })()
  return ids
}

/**
 * At start-up: trials 'running' in a process that is gone go back to the queue (their run was
 * marked interrupted by the runs repository). Returns the requeued trial ids.
 */
export function requeueOrphanedTrials(db: Db): number[] {
  const running = db.prepare(`SELECT id, host_pid FROM trials WHERE status = 'running'`).all() as { id: number; host_pid: number | null }[]
  const orphans = running.filter((t) => t.host_pid !== process.pid && !processAlive(t.host_pid)).map((t) => t.id)
  const update = db.prepare(`UPDATE trials SET status = 'queued', host_pid = NULL, updated_at = ? WHERE id = ? AND status = 'running'`)
  db.transaction(() => {
    for (const id of orphans) update.run(nowIso(), id)
  })()
  return orphans
}

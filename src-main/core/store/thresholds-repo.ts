/**
 * Threshold decisions: thresholds chosen for a finished run after training, each with the
 * validation and test metrics at it, in one history per run (migration 7). The run's current
 * chosen threshold is its latest decision, unless that one went back to the trained threshold.
 */
import type { Db } from './database'
import { nowIso, stmt } from './database'

export type DecisionSource = 'manual' | 'pick-targets' | 'pick-objective' | 'trained'

export interface DecisionRecord<M = unknown> {
  id: number
  runId: number
  threshold: number
  source: DecisionSource
  basis: string
  note: string | null
  createdAt: string
  /** Metrics at the threshold as the caller stored them (null: the split was not stored). */
  validation: M | null
  test: M | null
}

interface Row {
  id: number
  run_id: number
  threshold: number
  source: DecisionSource
  basis: string
  note: string | null
  validation: string | null
  test: string | null
  created_at: string
}

function toRecord<M>(r: Row): DecisionRecord<M> {
  return {
    id: r.id,
    runId: r.run_id,
    threshold: r.threshold,
    source: r.source,
    basis: r.basis,
    note: r.note,
    createdAt: r.created_at,
    validation: r.validation == null ? null : (JSON.parse(r.validation) as M),
    test: r.test == null ? null : (JSON.parse(r.test) as M)
  }
}

export function addDecision<M>(db: Db, d: Omit<DecisionRecord<M>, 'id' | 'createdAt'>): DecisionRecord<M> {
  const info = stmt(
    db,
    'INSERT INTO run_thresholds (run_id, threshold, source, basis, note, validation, test, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)'
  ).run(d.runId, d.threshold, d.source, d.basis, d.note, d.validation == null ? null : JSON.stringify(d.validation), d.test == null ? null : JSON.stringify(d.test), nowIso())
  return toRecord<M>(stmt(db, 'SELECT * FROM run_thresholds WHERE id = ?').get(Number(info.lastInsertRowid)) as Row)
}

/** Every decision of a run, oldest first. */
export function listDecisions<M>(db: Db, runId: number): DecisionRecord<M>[] {
  return (stmt(db, 'SELECT * FROM run_thresholds WHERE run_id = ? ORDER BY id').all(runId) as Row[]).map((r) => toRecord<M>(r))
}

/** The decision in force: the latest one, or null when there is none or it went back to the trained threshold. */
export function currentDecision<M>(db: Db, runId: number): DecisionRecord<M> | null {
  const r = stmt(db, 'SELECT * FROM run_thresholds WHERE run_id = ? ORDER BY id DESC LIMIT 1').get(runId) as Row | undefined
  return r && r.source !== 'trained' ? toRecord<M>(r) : null
}

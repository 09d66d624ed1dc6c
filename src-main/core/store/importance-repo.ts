/**
 * Each finished run's global feature importance (migration 8): what was measured, on which split
 * and how many windows, the features largest first — or why it could not be computed. One row
 * per run; computing it again replaces the row.
 */
import type { Db } from './database'
import { nowIso, stmt } from './database'
import type { RunImportance } from '../eval/attribution/schemas'
import type { ScoreSplit } from './run-schemas'

/** What a run's importance measured (run-importance.ts), on which split, when and how long it took. */
export interface ImportanceRecord extends RunImportance {
  split: ScoreSplit
  computedAt: string
  computeMs: number
}

/** A stored importance, or the reason it could not be computed. */
export type StoredImportance = { ok: true; importance: ImportanceRecord } | { ok: false; error: string; computedAt: string }

interface Row {
  method: ImportanceRecord['method'] | null
  split: ImportanceRecord['split'] | null
  metric: string | null
  windows_used: number | null
  windows_total: number | null
  repeats: number | null
  features: string | null
  note: string | null
  error: string | null
  computed_at: string
  compute_ms: number | null
}

export function saveImportance(db: Db, runId: number, r: Omit<ImportanceRecord, 'computedAt'>): ImportanceRecord {
  const computedAt = nowIso()
  stmt(
    db,
    `INSERT OR REPLACE INTO run_feature_importance (run_id, method, split, metric, windows_used, windows_total, repeats, features, note, error, computed_at, compute_ms)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?)`
  ).run(runId, r.method, r.split, r.metric, r.windowsUsed, r.windowsTotal, r.repeats, JSON.stringify(r.features), r.note, computedAt, r.computeMs)
  return { ...r, computedAt }
}

/** Records why the importance of a run could not be computed (replacing what was there). */
export function saveImportanceFailure(db: Db, runId: number, error: string): void {
  stmt(db, `INSERT OR REPLACE INTO run_feature_importance (run_id, error, computed_at) VALUES (?, ?, ?)`).run(runId, error, nowIso())
}

export function getImportance(db: Db, runId: number): StoredImportance | null {
  const r = stmt(db, 'SELECT * FROM run_feature_importance WHERE run_id = ?').get(runId) as Row | undefined
  if (!r) return null
  if (r.error !== null || r.method === null) return { ok: false, error: r.error ?? 'not computed', computedAt: r.computed_at }
  return {
    ok: true,
    importance: {
      method: r.method,
      split: r.split!,
      metric: r.metric ?? '',
      windowsUsed: r.windows_used ?? 0,
      windowsTotal: r.windows_total ?? 0,
      repeats: r.repeats,
      features: JSON.parse(r.features ?? '[]') as ImportanceRecord['features'],
      note: r.note ?? '',
      computedAt: r.computed_at,
      computeMs: r.compute_ms ?? 0
    }
  }
}

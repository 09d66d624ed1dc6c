/**
 * Experiments: one row per experiment name. Queueing a spec under a name it already has reuses
 * that experiment: its spec and spec hash become the ones queued last, and a cancelled one is
 * active again. (A trial's identity, not the experiment's, says whether work is new: expand.ts.)
 */
import { createHash } from 'node:crypto'
import type { Db } from './database'
import { nowIso, stmt } from './database'
import type { ExperimentSpec } from '../search/spec'
import { canonicalJson } from '../canonical-json'
import type { ExperimentStatus } from './run-schemas'

export interface ExperimentRow {
  id: number
  name: string
  spec: ExperimentSpec
  specHash: string
  sourceFile: string | null
  status: ExperimentStatus
  priority: number
  createdAt: string
}

export function specHash(spec: ExperimentSpec): string {
  return createHash('sha256').update(canonicalJson(spec)).digest('hex')
}

/**
 * An experiment is its name: queuing a spec of the same name again updates the spec and extends
 * the experiment (its trials are keyed by identity, so only new ones are added). Queuing a
 * cancelled experiment again makes it active.
 */
export function upsertExperiment(db: Db, spec: ExperimentSpec, sourceFile: string | null): ExperimentRow {
  const hash = specHash(spec)
  stmt(db, 
    `INSERT INTO experiments (name, spec, spec_hash, source_file, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (name) DO UPDATE SET spec = excluded.spec, spec_hash = excluded.spec_hash,
       source_file = COALESCE(excluded.source_file, experiments.source_file), updated_at = excluded.updated_at,
       status = CASE WHEN experiments.status = 'cancelled' THEN 'active' ELSE experiments.status END`
  ).run(spec.name, canonicalJson(spec), hash, sourceFile, nowIso(), nowIso())
  return getExperimentByName(db, spec.name)!
}

export function setExperimentStatus(db: Db, id: number, status: ExperimentStatus): void {
  stmt(db, 'UPDATE experiments SET status = ?, updated_at = ? WHERE id = ?').run(status, nowIso(), id)
}

export function setExperimentPriority(db: Db, id: number, priority: number): void {
  stmt(db, 'UPDATE experiments SET priority = ?, updated_at = ? WHERE id = ?').run(priority, nowIso(), id)
}

export function listExperiments(db: Db): ExperimentRow[] {
  return (stmt(db, 'SELECT * FROM experiments ORDER BY id DESC').all() as Row[]).map(toExperiment)
}

export function getExperimentByName(db: Db, name: string): ExperimentRow | null {
  const r = stmt(db, 'SELECT * FROM experiments WHERE name = ?').get(name) as Row | undefined
  return r ? toExperiment(r) : null
}

interface Row {
  id: number
  name: string
  spec: string
  spec_hash: string
  source_file: string | null
  status: ExperimentStatus
  priority: number
  created_at: string
}

function toExperiment(r: Row): ExperimentRow {
  return {
    id: r.id,
    name: r.name,
    spec: JSON.parse(r.spec),
    specHash: r.spec_hash,
    sourceFile: r.source_file,
    status: r.status,
    priority: r.priority,
    createdAt: r.created_at
  }
}

export function getExperiment(db: Db, id: number): ExperimentRow | null {
  const r = stmt(db, 'SELECT * FROM experiments WHERE id = ?').get(id) as Row | undefined
  return r ? toExperiment(r) : null
}

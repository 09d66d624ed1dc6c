/** Experiments: one row per distinct spec (by hash), so re-running a spec reuses its experiment. */
import { createHash } from 'node:crypto'
import type { Db } from './database'
import { nowIso } from './database'
import type { ExperimentSpec } from '../search/spec'

export interface ExperimentRow {
  id: number
  name: string
  spec: ExperimentSpec
  specHash: string
  sourceFile: string | null
  createdAt: string
}

/** Stable JSON: keys sorted, so the same spec written in another key order hashes the same. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v
  )
}

export function specHash(spec: ExperimentSpec): string {
  return createHash('sha256').update(canonicalJson(spec)).digest('hex')
}

export function upsertExperiment(db: Db, spec: ExperimentSpec, sourceFile: string | null): ExperimentRow {
  const hash = specHash(spec)
  db.prepare(
    `INSERT INTO experiments (name, spec, spec_hash, source_file, created_at) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (spec_hash) DO UPDATE SET source_file = COALESCE(excluded.source_file, experiments.source_file)`
  ).run(spec.name, canonicalJson(spec), hash, sourceFile, nowIso())
  return getExperimentByHash(db, hash)!
}

interface Row {
  id: number
  name: string
  spec: string
  spec_hash: string
  source_file: string | null
  created_at: string
}

function toExperiment(r: Row): ExperimentRow {
  return {
    id: r.id,
    name: r.name,
    spec: JSON.parse(r.spec),
    specHash: r.spec_hash,
    sourceFile: r.source_file,
    createdAt: r.created_at
  }
}

export function getExperimentByHash(db: Db, hash: string): ExperimentRow | null {
  const r = db.prepare('SELECT * FROM experiments WHERE spec_hash = ?').get(hash) as Row | undefined
  return r ? toExperiment(r) : null
}

export function getExperiment(db: Db, id: number): ExperimentRow | null {
  const r = db.prepare('SELECT * FROM experiments WHERE id = ?').get(id) as Row | undefined
  return r ? toExperiment(r) : null
}

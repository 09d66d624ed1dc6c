/**
 * Evaluations of bundles on local dataset versions (seed 002's A/B beside the local runs): which
 * bundle (by the sha256 of its manifest, so a bundle copied elsewhere keeps its evaluations and
 * an edited one loses them), on which version, at which threshold, with its metrics.
 */
import type { Db } from './database'
import { nowIso, stmt } from './database'
import type { BundleEvaluationRecord, Confusion } from '../eval/result-schemas'

interface Row {
  id: number
  dataset_id: string
  threshold: number
  windows: number
  metrics: string
  confusion: string
  created_at: string
}

export function addBundleEvaluation(
  db: Db,
  e: { bundleSha: string; bundleName: string; bundleDir: string } & Omit<BundleEvaluationRecord, 'id' | 'createdAt'>
): BundleEvaluationRecord {
  const createdAt = nowIso()
  const id = Number(
    stmt(
      db,
      `INSERT INTO bundle_evaluations (bundle_sha, bundle_name, bundle_dir, dataset_id, threshold, windows, metrics, confusion, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`
    ).run(e.bundleSha, e.bundleName, e.bundleDir, e.datasetId, e.threshold, e.windows, JSON.stringify(e.metrics), JSON.stringify(e.confusion), createdAt).lastInsertRowid
  )
  return { id, datasetId: e.datasetId, threshold: e.threshold, windows: e.windows, metrics: e.metrics, confusion: e.confusion, createdAt }
}

/** A bundle's evaluations, newest first. */
export function listBundleEvaluations(db: Db, bundleSha: string): BundleEvaluationRecord[] {
  return (stmt(db, 'SELECT id, dataset_id, threshold, windows, metrics, confusion, created_at FROM bundle_evaluations WHERE bundle_sha = ? ORDER BY id DESC').all(bundleSha) as Row[]).map((r) => ({
    id: r.id,
    datasetId: r.dataset_id,
    threshold: r.threshold,
    windows: r.windows,
    metrics: JSON.parse(r.metrics) as Record<string, number>,
    confusion: JSON.parse(r.confusion) as Confusion,
    createdAt: r.created_at
  }))
}

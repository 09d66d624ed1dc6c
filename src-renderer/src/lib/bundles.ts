/**
 * Pure helpers for the Bundles view: the A/B comparison rows (bundles evaluated on one dataset
 * version beside the local runs tested on it) and the best value of each compared metric.
 * Free of Svelte and the DOM (unit-testable in Node).
 */
import type { BundleInfo, RunDetail } from '../../../src-main/contract/api'
import { formatMetricValue } from './format'
import type { TableColumn } from './table'

/** The metrics every bundle and A/B row shows, in order. */
export const COMPARED_METRICS = ['precision', 'recall', 'f1', 'fpr', 'rocAuc'] as const
export type ComparedMetric = (typeof COMPARED_METRICS)[number]
/** Their column headings. */
export const COMPARED_LABELS: Record<ComparedMetric, string> = { precision: 'Precision', recall: 'Recall', f1: 'F1', fpr: 'FPR', rocAuc: 'AUC' }

/** Lower is better only for the false-positive rate. */
export function lowerIsBetter(metric: string): boolean {
  return metric === 'fpr' || metric === 'fnr'
}

export interface AbRow {
  /** Stable key: `bundle:<evaluation id>` or `run:<id>`. */
  key: string
  source: 'bundle' | 'run'
  label: string
  /** Bundle: the folder (for its testids); run: null. */
  folder: string | null
  location: 'local' | 'shared' | null
  runId: number | null
  metrics: Record<string, number>
  threshold: number | null
  at: string | null
}

/** The part of a run the A/B table needs (a `runs.get` answer, trimmed). */
export type AbRun = Pick<RunDetail, 'id' | 'experimentName' | 'modelKind' | 'status' | 'metrics' | 'threshold' | 'finishedAt' | 'datasets'>

/**
 * One row per bundle evaluated on `datasetId` (its newest evaluation; a shared bundle and its
 * imported copy share evaluations, so a row per evaluation id), then one per finished local run
 * that used that version as test data.
 *
 * @example abRows([bundle], [], 'ab12…') // [{ key: 'bundle:3', source: 'bundle', label: 'helios-run1', … }]
 */
export function abRows(bundles: readonly BundleInfo[], runs: readonly AbRun[], datasetId: string): AbRow[] {
  const rows: AbRow[] = []
  const seen = new Set<number>()
  // Local copies first, so a row links to the copy that can be evaluated again without importing.
  const ordered = [...bundles].sort((a, b) => (a.location === b.location ? 0 : a.location === 'local' ? -1 : 1))
  for (const b of ordered) {
    const evals = b.evaluations.filter((e) => e.datasetId === datasetId).sort((x, y) => y.id - x.id)
    const e = evals[0]
    if (!e || seen.has(e.id)) continue
    for (const other of evals) seen.add(other.id)
    rows.push({
      key: `bundle:${e.id}`,
      source: 'bundle',
      label: b.name && b.version ? `${b.name} ${b.version}` : b.folder,
      folder: b.folder,
      location: b.location,
      runId: b.runId,
      metrics: e.metrics,
      threshold: e.threshold,
      at: e.createdAt
    })
  }
  for (const r of runs) {
    if (r.status !== 'done' || !r.metrics) continue
    if (!r.datasets.some((d) => d.role === 'test' && d.id === datasetId)) continue
    rows.push({
      key: `run:${r.id}`,
      source: 'run',
      label: `Run ${r.id} · ${r.experimentName}`,
      folder: null,
      location: null,
      runId: r.id,
      metrics: { ...r.metrics },
      threshold: r.threshold,
      at: r.finishedAt
    })
  }
  return rows
}

/**
 * The A/B table's columns as shown (and exported): model, source, the compared metrics (values at
 * full precision), threshold and when it was evaluated or finished.
 */
export function abColumns(): TableColumn<AbRow>[] {
  return [
    { key: 'label', label: 'Model', value: (r) => r.label },
    { key: 'source', label: 'Source', value: (r) => (r.source === 'bundle' ? `bundle · ${r.location}` : 'local run') },
    ...COMPARED_METRICS.map((m): TableColumn<AbRow> => ({ key: m, label: COMPARED_LABELS[m], value: (r) => r.metrics[m] ?? null, text: (r) => formatMetricValue(m, r.metrics[m], 2) })),
    { key: 'threshold', label: 'Threshold', value: (r) => r.threshold },
    { key: 'at', label: 'When', value: (r) => r.at }
  ]
}

/**
 * The best value of each compared metric across rows (max, or min for FPR); absent when fewer
 * than two rows carry it (nothing to compare).
 *
 * @example bestValues([{ metrics: { f1: 0.9 } }, { metrics: { f1: 0.8 } }] as AbRow[]).f1 // 0.9
 */
export function bestValues(rows: readonly Pick<AbRow, 'metrics'>[]): Partial<Record<ComparedMetric, number>> {
  const out: Partial<Record<ComparedMetric, number>> = {}
  for (const m of COMPARED_METRICS) {
    const values = rows.map((r) => r.metrics[m]).filter((v): v is number => typeof v === 'number' && Number.isFinite(v))
    if (values.length < 2) continue
    out[m] = lowerIsBetter(m) ? Math.min(...values) : Math.max(...values)
  }
  return out
}

/** Dataset versions that have at least one bundle evaluation, newest evaluation first. */
export function evaluatedDatasetIds(bundles: readonly BundleInfo[]): string[] {
  const latest = new Map<string, number>()
  for (const b of bundles) for (const e of b.evaluations) latest.set(e.datasetId, Math.max(latest.get(e.datasetId) ?? 0, e.id))
  return [...latest.entries()].sort((a, b) => b[1] - a[1]).map(([id]) => id)
}

/** The largest |diff| of a verify answer, or null when it has none. */
export function maxDiff(maxAbsDiff: Record<string, number>): number | null {
  const v = Object.values(maxAbsDiff).filter((x) => Number.isFinite(x))
  return v.length ? Math.max(...v) : null
}

/**
 * Pure helpers for the compare page: the metrics table's rows (with the best
 * value of each marked), the training curves to overlay, per-type recall rows and the
 * disagreement list's tabs. No DOM, no Svelte; every number comes from `runs.compare`.
 */
import type { CompareRun, DisagreementKind, Disagreements, HistoryAxis, SplitMetrics, TypeRecall } from '../../../src-main/contract/api'
import { lowerIsBetter } from './bundles'
import { METRIC_LABELS, formatParamValue, formatPercent } from './format'
import { cellOf, type CellValue, type TableColumn } from './table'

export interface MetricRow {
  key: string
  label: string
  /** A fraction shown as a percentage (event recall and balanced accuracy too). */
  percent: boolean
  split: 'test' | 'validation'
  values: (number | null)[]
  /** Positions holding the best value (none when fewer than two runs have one). */
  best: number[]
}

const TEST_KEYS = ['precision', 'recall', 'f1', 'fpr', 'accuracy', 'balancedAccuracy', 'rocAuc', 'averagePrecision'] as const
const VALIDATION_KEYS = ['precision', 'recall', 'f1', 'fpr', 'rocAuc'] as const
const LABELS: Record<string, string> = { ...METRIC_LABELS, balancedAccuracy: 'Balanced accuracy', eventRecall: 'Event recall' }
const PERCENT = new Set(['precision', 'recall', 'f1', 'fpr', 'accuracy', 'balancedAccuracy', 'eventRecall'])

function best(key: string, values: (number | null)[]): number[] {
  const present = values.filter((v): v is number => v != null && Number.isFinite(v))
  if (present.length < 2) return []
  const target = lowerIsBetter(key) ? Math.min(...present) : Math.max(...present)
  if (present.every((v) => v === target)) return []
  return values.flatMap((v, i) => (v === target ? [i] : []))
}

function splitValue(m: SplitMetrics | null, key: string): number | null {
  if (!m) return null
  if (key === 'eventRecall') return m.events?.recall ?? null
  const v = (m as unknown as Record<string, unknown>)[key]
  return typeof v === 'number' ? v : null
}

/**
 * The metrics table: test metrics at each run's threshold (from its stored scores, else what
 * training recorded), event recall where the scores are traced, then validation metrics where
 * stored. Rows no run has are left out.
 * @example metricRows([a, b]).find((r) => r.key === 'f1' && r.split === 'test')?.best // [1]
 */
export function metricRows(runs: readonly CompareRun[]): MetricRow[] {
  const rows: MetricRow[] = []
  for (const key of [...TEST_KEYS, 'eventRecall']) {
    const values = runs.map((r) => splitValue(r.test, key) ?? (key === 'eventRecall' ? null : (r.recorded.metrics?.[key] ?? null)))
    if (values.some((v) => v != null)) rows.push({ key, label: LABELS[key] ?? key, percent: PERCENT.has(key), split: 'test', values, best: best(key, values) })
  }
  for (const key of VALIDATION_KEYS) {
    const values = runs.map((r) => splitValue(r.validation, key))
    if (values.some((v) => v != null)) rows.push({ key, label: LABELS[key] ?? key, percent: PERCENT.has(key), split: 'validation', values, best: best(key, values) })
  }
  return rows
}

/** The metric names of the runs' training histories on one axis (losses first), for the overlay picker. */
export function historyKeys(runs: readonly CompareRun[], axis: HistoryAxis): string[] {
  const keys = new Set<string>()
  for (const r of runs) if (r.history.axis === axis) for (const e of r.history.epochs) for (const k of Object.keys(e.metrics)) keys.add(k)
  const isLoss = (k: string) => /loss/i.test(k)
  return [...keys].sort((a, b) => Number(isLoss(b)) - Number(isLoss(a)) || a.localeCompare(b))
}

/**
 * The key the overlay shows first: validation loss, else loss, else F1, else the first.
 * @example defaultHistoryKey(['f1', 'loss', 'val_loss']) // "val_loss"
 */
export function defaultHistoryKey(keys: readonly string[]): string | null {
  return keys.find((k) => /^val_?loss$/i.test(k)) ?? keys.find((k) => /^loss$/i.test(k)) ?? keys.find((k) => k === 'f1') ?? keys[0] ?? null
}

/** One anomaly type across the compared runs. */
export interface TypeRecallAcrossRuns {
  type: string
  /** Per run: recall with counts, or null when the run's test split has no window of the type. */
  cells: (TypeRecall | null)[]
}

/**
 * Per-type recall on test at each run's threshold (what training recorded when no scores are
 * stored); types no run's test split holds are left out.
 */
export function typeRecallRows(runs: readonly CompareRun[]): TypeRecallAcrossRuns[] {
  const of = (r: CompareRun) => r.test?.perType ?? r.recorded.recallByType
  const types = [...new Set(runs.flatMap((r) => Object.keys(of(r))))].sort()
  const rows = types.map((type) => ({
    type,
    cells: runs.map((r) => {
      const x = of(r)[type]
      return x && x.total > 0 ? { recall: x.recall, detected: x.detected, total: x.total } : null
    })
  }))
  // A type no run's test split holds says nothing about the runs.
  return rows.filter((row) => row.cells.some((c) => c != null))
}

export interface DisagreementTab {
  key: string
  label: string
  count: number
  select: { kind: DisagreementKind | 'all'; flaggedBy?: number; notFlaggedBy?: number }
}

/**
 * The disagreement list's tabs: all of them, then for each pair of runs the anomalous windows the
 * first catches and the second misses, and the false alarms the first raises and the second does
 * not (pairs with none are left out), then windows whose labels differ.
 */
export function disagreementTabs(d: Disagreements): DisagreementTab[] {
  const tabs: DisagreementTab[] = [{ key: 'all', label: 'All', count: d.counts.all, select: { kind: 'all' } }]
  for (const p of d.pairs) {
    if (p.anomaly > 0) {
      tabs.push({ key: `catch-${p.flaggedBy}-${p.notFlaggedBy}`, label: `${p.flaggedBy} catches, ${p.notFlaggedBy} misses`, count: p.anomaly, select: { kind: 'anomaly', flaggedBy: p.flaggedBy, notFlaggedBy: p.notFlaggedBy } })
    }
  }
  for (const p of d.pairs) {
    if (p.normal > 0) {
      tabs.push({ key: `alarm-${p.flaggedBy}-${p.notFlaggedBy}`, label: `false alarm by ${p.flaggedBy}, not ${p.notFlaggedBy}`, count: p.normal, select: { kind: 'normal', flaggedBy: p.flaggedBy, notFlaggedBy: p.notFlaggedBy } })
    }
  }
  if (d.counts.mixed > 0) tabs.push({ key: 'mixed', label: 'labels differ', count: d.counts.mixed, select: { kind: 'mixed' } })
  return tabs
}

/** The tab a selection is (for highlighting), or null. */
export function tabKey(select: DisagreementTab['select']): string {
  if (select.kind === 'all' || select.kind === 'mixed') return select.kind
  return `${select.kind === 'anomaly' ? 'catch' : 'alarm'}-${select.flaggedBy}-${select.notFlaggedBy}`
}

/** A row of the compare page's params table (`compare.runs`' params diff). */
type ParamRow = { key: string; values: unknown[]; present: boolean[]; differs: boolean }

/**
 * A compare table's columns: the row's own column first, then one per run (in the runs' order),
 * keyed `run:<id>`, whose cell is the run's position `i` in the row.
 */
function perRunColumns<R>(first: TableColumn<R>, runIds: readonly number[], cell: { value: (row: R, i: number) => CellValue; text: (row: R, i: number) => string }): TableColumn<R>[] {
  return [
    first,
    ...runIds.map((id, i): TableColumn<R> => ({
      key: `run:${id}`,
      label: `Run ${id}`,
      value: (row) => cell.value(row, i),
      text: (row) => cell.text(row, i)
    }))
  ]
}

/**
 * The params table's columns: the param, then its value in each run (in the runs' order; empty
 * where the run has no such param, read as "not set").
 */
export function paramDiffColumns(runIds: readonly number[]): TableColumn<ParamRow>[] {
  return perRunColumns({ key: 'param', label: 'Param', value: (p) => p.key }, runIds, {
    value: (p, i) => (p.present[i] ? cellOf(p.values[i]) : null),
    text: (p, i) => (p.present[i] ? formatParamValue(p.values[i]) : 'not set')
  })
}

/** The recall-by-type table's columns: the type, then each run's recall of it (null: no window of that type). */
export function typeRecallColumns(runIds: readonly number[]): TableColumn<TypeRecallAcrossRuns>[] {
  return perRunColumns({ key: 'type', label: 'Type', value: (r) => r.type }, runIds, {
    value: (r, i) => r.cells[i]?.recall ?? null,
    text: (r, i) => (r.cells[i] ? formatPercent(r.cells[i].recall, 1) : 'n/a')
  })
}

/**
 * Pure helpers for the queue and leaderboard views: which columns exist and which show, sorting
 * rows by a column, the remembered column choice. No DOM, no Svelte. They arrange what
 * `queue.leaderboard` returns (ranks, objective values and target verdicts come from the engine).
 */
import type { Leaderboard, LeaderboardRow, QueuedExperiment } from '../../../src-main/contract/api'
import { METRIC_LABELS } from './format'

/**
 * A leaderboard column that the picker can show or hide: a parameter, a test metric
 * (`metric:`, reported) or a validation metric (`val:`, what the board ranks on by default).
 */
export interface PickableColumn {
  /** `param:<name>`, `metric:<name>` (test) or `val:<name>` (validation). */
  key: string
  kind: 'param' | 'metric' | 'validation'
  name: string
  label: string
  /** Header text (short), with `label` as its tooltip. */
  short: string
}

/** Short headers for the wide metric names. */
const METRIC_SHORT: Record<string, string> = {
  fpr: 'FPR',
  fnr: 'FNR',
  specificity: 'Specificity',
  rocAuc: 'AUC',
  averagePrecision: 'AP'
}

/** Fixed columns (always shown) that can be sorted too. */
export type FixedSortKey = 'rank' | 'trial' | 'status' | 'duration'
export type SortKey = FixedSortKey | string
export interface SortState {
  key: SortKey
  dir: 'asc' | 'desc'
}

/** Metrics shown when nothing was chosen yet, in this order (the others stay in the picker). */
const DEFAULT_METRICS = ['precision', 'recall', 'f1', 'fpr', 'rocAuc', 'averagePrecision']
const METRIC_ORDER = Object.keys(METRIC_LABELS)

/**
 * Every column the picker offers: the searched params first (the engine names them), then the
 * trials' other params, then every metric any row reports.
 * @example pickableColumns({ searchedParams: ['a'], rows: [{ params: { a: 1, b: 2 }, metrics: { f1: 0.5 } }] }).map((c) => c.key)
 * // ["param:a", "param:b", "metric:f1"]
 */
export function pickableColumns(
  board: Pick<Leaderboard, 'searchedParams'> & { rows: readonly (Pick<LeaderboardRow, 'params' | 'metrics'> & Partial<Pick<LeaderboardRow, 'validationMetrics'>>)[] }
): PickableColumn[] {
  const params = [...board.searchedParams]
  const metrics: string[] = []
  const validation: string[] = []
  for (const r of board.rows) {
    for (const k of Object.keys(r.params)) if (!params.includes(k)) params.push(k)
    for (const k of Object.keys(r.metrics ?? {})) if (!metrics.includes(k)) metrics.push(k)
    for (const k of Object.keys(r.validationMetrics ?? {})) if (!validation.includes(k)) validation.push(k)
  }
  const byOrder = (a: string, b: string) => orderOf(a) - orderOf(b) || a.localeCompare(b)
  metrics.sort(byOrder)
  validation.sort(byOrder)
  const short = (name: string) => METRIC_SHORT[name] ?? METRIC_LABELS[name] ?? name
  return [
    ...params.map((name) => ({ key: `param:${name}`, kind: 'param' as const, name, label: name, short: name })),
    ...validation.map((name) => ({
      key: `val:${name}`,
      kind: 'validation' as const,
      name,
      label: `${METRIC_LABELS[name] ?? name} on validation`,
      short: `val ${short(name)}`
    })),
    ...metrics.map((name) => ({
      key: `metric:${name}`,
      kind: 'metric' as const,
      name,
      label: `${METRIC_LABELS[name] ?? name} on test`,
      short: short(name)
    }))
  ]
}

function orderOf(metric: string): number {
  const i = METRIC_ORDER.indexOf(metric)
  return i < 0 ? METRIC_ORDER.length : i
}

/**
 * The columns shown before the user picks: the searched params and the usual metrics (plus the
 * objective's metric when it is another one).
 * @example defaultColumns(["nEstimators"], "f1") // ["param:nEstimators", "val:f1", "metric:precision", ..., "metric:averagePrecision"]
 */
export function defaultColumns(searchedParams: readonly string[], objectiveMetric: string): string[] {
  const metrics = DEFAULT_METRICS.includes(objectiveMetric) ? DEFAULT_METRICS : [objectiveMetric, ...DEFAULT_METRICS]
  // The objective on validation (what ranks), then the test metrics (what is reported).
  return [...searchedParams.map((p) => `param:${p}`), `val:${objectiveMetric}`, ...metrics.map((m) => `metric:${m}`)]
}

/** localStorage key of an experiment's column choice. */
export function columnsStorageKey(experimentId: number): string {
  return `workbench.leaderboard.columns.${experimentId}`
}

/**
 * A stored column choice (JSON array of keys), or null when absent or unreadable.
 * @example parseStoredColumns('["param:a","metric:f1"]') // ["param:a", "metric:f1"]
 * @example parseStoredColumns('oops') // null
 */
export function parseStoredColumns(raw: string | null): string[] | null {
  if (!raw) return null
  try {
    const v = JSON.parse(raw) as unknown
    return Array.isArray(v) && v.every((x) => typeof x === 'string') ? (v as string[]) : null
  } catch {
    return null
  }
}

const STATUS_ORDER: Record<LeaderboardRow['status'], number> = { running: 0, queued: 1, done: 2, failed: 3, cancelled: 4, skipped: 5 }

/** The value a row sorts by for a column (null sorts last in either direction). */
function sortValue(row: LeaderboardRow, key: SortKey): number | string | null {
  switch (key) {
    case 'rank':
      return row.rank
    case 'trial':
      return row.ordinal
    case 'status':
      return STATUS_ORDER[row.status]
    case 'duration':
      return row.durationMs
  }
  if (key.startsWith('metric:')) return row.metrics?.[key.slice(7)] ?? null
  if (key.startsWith('val:')) return row.validationMetrics?.[key.slice(4)] ?? null
  if (key.startsWith('param:')) {
    const v = row.params[key.slice(6)]
    if (v == null) return null
    return typeof v === 'number' ? v : typeof v === 'string' ? v : JSON.stringify(v)
  }
  return null
}

/**
 * Rows sorted by a column; ties keep the engine's order (rank, then search order). Missing values
 * go last whatever the direction.
 * @example sortRows(rows, { key: 'metric:recall', dir: 'desc' })
 */
export function sortRows(rows: readonly LeaderboardRow[], sort: SortState): LeaderboardRow[] {
  const sign = sort.dir === 'asc' ? 1 : -1
  return rows
    .map((row, i) => ({ row, i, v: sortValue(row, sort.key) }))
    .sort((a, b) => {
      if (a.v == null || b.v == null) return a.v == null && b.v == null ? a.i - b.i : a.v == null ? 1 : -1
      const c = typeof a.v === 'number' && typeof b.v === 'number' ? a.v - b.v : String(a.v).localeCompare(String(b.v), undefined, { numeric: true })
      return c !== 0 ? sign * c : a.i - b.i
    })
    .map((x) => x.row)
}

/**
 * Clicking a column header: the same column flips direction, a new one starts in its natural
 * direction (metrics and durations descending, except the rate metrics where lower is better).
 * @example nextSort({ key: 'rank', dir: 'asc' }, 'rank') // { key: "rank", dir: "desc" }
 */
export function nextSort(current: SortState, key: SortKey): SortState {
  if (current.key === key) return { key, dir: current.dir === 'asc' ? 'desc' : 'asc' }
  const lowerIsBetter = /^(metric|val):(fpr|fnr)$/.test(key) || /loss|error|ms$/i.test(key)
  const ascending = key === 'rank' || key === 'trial' || key === 'status' || key.startsWith('param:') || lowerIsBetter
  return { key, dir: ascending ? 'asc' : 'desc' }
}

/**
 * A search's state for its badge: the stored status while trials remain, `finished` once none is
 * queued or running (the stored status stays `active` after the last trial ends). A cancelled
 * search stays cancelled.
 * @example searchStatus({ status: 'active', counts: { queued: 0, running: 0, done: 4 } }) // "finished"
 * @example searchStatus({ status: 'paused', counts: { queued: 2, running: 0, done: 2 } }) // "paused"
 */
export function searchStatus(e: { status: QueuedExperiment['status']; counts: Partial<QueuedExperiment['counts']> }): QueuedExperiment['status'] | 'finished' {
  const left = (e.counts.queued ?? 0) + (e.counts.running ?? 0)
  return left === 0 && e.status !== 'cancelled' ? 'finished' : e.status
}

/**
 * How many of a search's trials run at once: its spec's `concurrency`, capped by the host's
 * scheduler slots (`app.info`); `capped` when the spec asks for more than the host runs.
 * @example trialsAtOnce(2, 1) // { n: 1, capped: true }
 * @example trialsAtOnce(null, 3) // { n: 3, capped: false }
 */
export function trialsAtOnce(asked: number | null, hostSlots: number): { n: number; capped: boolean } {
  return asked != null && asked > hostSlots ? { n: hostSlots, capped: true } : { n: asked ?? hostSlots, capped: false }
}

/**
 * The priority that puts a queued trial ahead of every other queued trial of its experiment.
 * @example priorityToRunNext([{ status: 'queued', priority: 0 }, { status: 'queued', priority: 2 }]) // 3
 */
export function priorityToRunNext(rows: readonly Pick<LeaderboardRow, 'status' | 'priority'>[]): number {
  let max = 0
  for (const r of rows) if (r.status === 'queued' && r.priority > max) max = r.priority
  return max + 1
}

/** Distinct values of one param over the rows, numbers ascending then the rest as text. */
export function distinctValues(rows: readonly Pick<LeaderboardRow, 'params'>[], param: string): unknown[] {
  const seen = new Map<string, unknown>()
  for (const r of rows) {
    const v = r.params[param]
    const k = JSON.stringify(v ?? null)
    if (!seen.has(k)) seen.set(k, v ?? null)
  }
  return [...seen.values()].sort((a, b) =>
    typeof a === 'number' && typeof b === 'number' ? a - b : typeof a === 'number' ? -1 : typeof b === 'number' ? 1 : String(a).localeCompare(String(b))
  )
}

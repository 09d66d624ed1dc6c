/**
 * Pure helpers for the queue and leaderboard views: which columns exist and which show, sorting
 * rows by a column, the remembered column choice. No DOM, no Svelte. They arrange what
 * `queue.leaderboard` returns (ranks, objective values and target verdicts come from the engine).
 */
import type { Leaderboard, LeaderboardRow, QueuedExperiment } from '../../../src-main/contract/api'
import { METRIC_LABELS, formatDuration, formatEta, formatMetricValue, formatParamValue } from './format'
import { cellOf, type TableColumn, type TableSort } from './table'

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

/** A row with params and metrics (a run of the runs list, a leaderboard trial). */
type Measured = { params: Record<string, unknown>; metrics: Record<string, number> | null; validationMetrics?: Record<string, number> | null }

/**
 * A picked param or metric as a table column: the value as stored (full precision in the CSV),
 * read as the table shows it (the filter matches "92.0%").
 * @example pickedColumn({ key: 'metric:f1', kind: 'metric', name: 'f1', label: 'F1 on test', short: 'F1' }).value({ params: {}, metrics: { f1: 0.92 } }) // 0.92
 */
export function pickedColumn<R extends Measured>(c: PickableColumn): TableColumn<R> {
  if (c.kind === 'param') return { key: c.key, label: c.short, value: (r) => cellOf(r.params[c.name]), text: (r) => formatParamValue(r.params[c.name]) }
  const of = (r: R) => (c.kind === 'validation' ? r.validationMetrics : r.metrics)?.[c.name] ?? null
  return { key: c.key, label: c.short, value: of, text: (r) => formatMetricValue(c.name, of(r), 1) }
}

/**
 * Target results as a cell: "2 of 3 met" (not "2/3", which a spreadsheet reads as a date), null
 * when there are none.
 * @example targetsCell([{ met: true }, { met: false }]) // "1 of 2 met"
 */
export function targetsCell(targets: readonly { met: boolean }[]): string | null {
  return targets.length ? `${targets.filter((t) => t.met).length} of ${targets.length} met` : null
}

/**
 * The leaderboard's columns in the order shown: rank, trial, status, the picked params and
 * metrics, targets and duration. Status sorts by where a trial is (running first), not A-Z.
 */
export function leaderboardColumns(shown: readonly PickableColumn[]): TableColumn<LeaderboardRow>[] {
  return [
    { key: 'rank', label: 'Rank', value: (r) => r.rank },
    { key: 'trial', label: 'Trial', value: (r) => r.ordinal, text: (r) => `#${r.ordinal}` },
    { key: 'status', label: 'Status', value: (r) => r.status, sort: (r) => STATUS_ORDER[r.status] },
    ...shown.map((c) => pickedColumn<LeaderboardRow>(c)),
    { key: 'targets', label: 'Targets', value: (r) => targetsCell(r.targets) },
    { key: 'duration', label: 'Duration (ms)', value: (r) => r.durationMs, text: (r) => formatDuration(r.durationMs) }
  ]
}

const SEARCH_STATUS_ORDER: Record<ReturnType<typeof searchStatus>, number> = { active: 0, paused: 1, finished: 2, cancelled: 3 }

/**
 * The queue's columns (one row per search) as shown and exported: search, status (sorted active
 * first), trials done of all, ETA, the best objective value on validation, trials meeting every
 * target, priority.
 */
export function queueColumns(): TableColumn<QueuedExperiment>[] {
  return [
    { key: 'name', label: 'Search', value: (e) => e.name, text: (e) => `${e.name} ${e.modelKind} ${e.search}` },
    { key: 'status', label: 'Status', value: (e) => searchStatus(e), sort: (e) => SEARCH_STATUS_ORDER[searchStatus(e)] },
    { key: 'trials', label: 'Trials done', value: (e) => `${e.counts.done} of ${e.total}`, sort: (e) => (e.total ? e.counts.done / e.total : 0) },
    { key: 'eta', label: 'ETA (ms)', value: (e) => (e.counts.queued + e.counts.running === 0 ? null : e.etaMs), text: (e) => formatEta(e.etaMs) },
    { key: 'best', label: 'Best on validation', value: (e) => e.best?.value ?? null, text: (e) => formatMetricValue(e.objective.metric, e.best?.value, 2) },
    { key: 'targets', label: 'Trials meeting targets', value: (e) => e.targetsMetBy.length },
    { key: 'priority', label: 'Priority', value: (e) => e.priority }
  ]
}

/**
 * Clicking a column header: the same column flips direction, a new one starts in its natural
 * direction (metrics and durations descending, except the rate metrics where lower is better).
 * @example nextSort({ key: 'rank', dir: 'asc' }, 'rank') // { key: "rank", dir: "desc" }
 */
export function nextSort(current: TableSort | null, key: string): TableSort {
  if (current?.key === key) return { key, dir: current.dir === 'asc' ? 'desc' : 'asc' }
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

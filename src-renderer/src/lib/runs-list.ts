/**
 * Pure helpers for the runs list: its columns (as shown and as exported), sort clicks, the filters in use, the selection
 * for compare, tag input. No DOM, no Svelte. The filtering, sorting and paging themselves are the
 * host's (`runs.query`); these only arrange the page's choices.
 */
import type { RunFacets, RunFilter, RunListRow, RunSort } from '../../../src-main/contract/api'
import { nextSort, pickableColumns, pickedColumn, targetsCell, type PickableColumn } from './leaderboard'
import { compactParams, formatDuration } from './format'
import type { TableColumn } from './table'

/** The metric columns shown before the user picks (what the list always showed). */
export const DEFAULT_LIST_COLUMNS = ['metric:precision', 'metric:recall', 'metric:f1', 'metric:fpr', 'metric:rocAuc']
/** localStorage key of the list's column choice. */
export const LIST_COLUMNS_KEY = 'workbench.runs.columns'
/** Runs a compare page takes at most (and at least 2). */
export const COMPARE_LIMIT = 4

/**
 * Every column the picker offers: each param any run has, then each metric, in the leaderboard's
 * order and with its labels.
 * @example listColumns({ paramKeys: ['nEstimators'], metricKeys: ['f1'] }).map((c) => c.key) // ["param:nEstimators", "metric:f1"]
 */
export function listColumns(facets: Pick<RunFacets, 'paramKeys' | 'metricKeys'>): PickableColumn[] {
  // One synthetic row holding every key: the leaderboard's picker logic orders and labels them.
  return pickableColumns({
    searchedParams: [],
    rows: [{ params: Object.fromEntries(facets.paramKeys.map((k) => [k, null])), metrics: Object.fromEntries(facets.metricKeys.map((k) => [k, 0])) }]
  })
}

/** Fixed columns sorted ascending on the first click (names and states read A-Z). */
const ASCENDING_FIRST = new Set(['experiment', 'modelKind', 'status'])

/**
 * Clicking a column header: the same column flips direction; a new one starts in its natural
 * direction (names A-Z, newest and best first, rates where lower is better ascending).
 * @example nextListSort({ key: 'id', dir: 'desc' }, 'experiment') // { key: "experiment", dir: "asc" }
 * @example nextListSort({ key: 'id', dir: 'desc' }, 'metric:f1') // { key: "metric:f1", dir: "desc" }
 */
export function nextListSort(current: RunSort, key: string): RunSort {
  if (current.key !== key && ASCENDING_FIRST.has(key)) return { key: key as RunSort['key'], dir: 'asc' }
  if (current.key !== key && (key === 'id' || key === 'createdAt' || key === 'finishedAt' || key === 'targets')) return { key, dir: 'desc' }
  return nextSort(current, key) as RunSort
}

/**
 * How many filters are in use (for "clear filters" and the summary).
 * @example activeFilters({ text: ' ', statuses: ['done'] }) // 1
 */
export function activeFilters(f: RunFilter): number {
  let n = 0
  if (f.text?.trim()) n++
  for (const list of [f.experimentIds, f.modelKinds, f.statuses, f.tags]) if (list && list.length > 0) n++
  if (f.datasetId) n++
  if (f.targets) n++
  return n
}

/** The filter with one field set, or removed when the value is empty. */
export function withFilter<K extends keyof RunFilter>(f: RunFilter, key: K, value: RunFilter[K] | undefined): RunFilter {
  const next = { ...f }
  const empty = value === undefined || value === '' || (Array.isArray(value) && value.length === 0)
  if (empty) delete next[key]
  else next[key] = value
  return next
}

/**
 * Toggles a run in the compare selection, which keeps the order of choosing and at most
 * `COMPARE_LIMIT` runs: a fifth is refused (`full`), the selection unchanged.
 * @example toggleSelection([3, 5], 5) // { selected: [3], full: false }
 * @example toggleSelection([1, 2, 3, 4], 9) // { selected: [1, 2, 3, 4], full: true }
 */
export function toggleSelection(selected: readonly number[], id: number): { selected: number[]; full: boolean } {
  if (selected.includes(id)) return { selected: selected.filter((x) => x !== id), full: false }
  if (selected.length >= COMPARE_LIMIT) return { selected: [...selected], full: true }
  return { selected: [...selected, id], full: false }
}

/**
 * Tags typed as text: split at commas, trimmed, each once, in order.
 * @example parseTags('baseline, candidate ,baseline,') // ["baseline", "candidate"]
 */
export function parseTags(text: string): string[] {
  return [...new Set(text.split(',').map((t) => t.trim()).filter(Boolean))]
}

/**
 * The runs table's columns as the page shows them (the CSV export writes these, in this order):
 * run, experiment, model and trial (one cell on the page), params, status, the picked params and
 * metrics, targets (a failed run's reason), tags, note, created and duration. Params go out as
 * JSON (full precision); times as ISO 8601.
 */
export function runsTableColumns(shown: readonly PickableColumn[]): TableColumn<RunListRow>[] {
  return [
    { key: 'id', label: 'Run', value: (r) => r.id },
    { key: 'experiment', label: 'Experiment', value: (r) => r.experimentName },
    { key: 'modelKind', label: 'Model', value: (r) => r.modelKind },
    { key: 'trial', label: 'Trial', value: (r) => r.trial?.ordinal ?? null },
    { key: 'params', label: 'Params', value: (r) => JSON.stringify(r.params), text: (r) => compactParams(r.params) },
    { key: 'status', label: 'Status', value: (r) => r.status },
    ...shown.map((c) => pickedColumn<RunListRow>(c)),
    { key: 'targets', label: 'Targets', value: (r) => (r.status === 'failed' && !r.metrics ? (r.statusReason ?? 'failed') : targetsCell(r.targets)) },
    { key: 'tags', label: 'Tags', value: (r) => (r.tags.length ? r.tags.join('; ') : null) },
    { key: 'note', label: 'Note', value: (r) => r.note },
    { key: 'createdAt', label: 'Created', value: (r) => r.createdAt },
    { key: 'durationMs', label: 'Duration (ms)', value: (r) => r.durationMs, text: (r) => formatDuration(r.durationMs) }
  ]
}

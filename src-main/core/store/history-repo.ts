/**
 * The run history as a list: filtered, sorted by any column (a metric or a param too) and paged in
 * SQL, reading only what a list row shows (never the curves, the model or the scores); what the
 * filters can choose from; and the tags and note a person adds to a run (migration 9).
 */
import type { Db } from './database'
import { stmt, writeTransaction } from './database'
import { toSummaryRecord, type RunSummaryRecord, type SummaryRow } from './runs-repo'
import type { RunStatus } from './run-schemas'
import { METRIC_KEYS } from '../eval/pick-metrics'
import type { TargetsVerdict } from '../eval/targets'

export interface RunFilter {
  experimentIds?: number[]
  modelKinds?: string[]
  statuses?: RunStatus[]
  /** Hex content hash or a prefix of one (checked by the caller: hex digits only). */
  datasetId?: string
  targets?: TargetsVerdict
  /** Runs carrying every one of these. */
  tags?: string[]
  /** Whitespace-separated terms, each found (case-insensitively) in the experiment, kind, params, note or tags. */
  text?: string
}

export interface RunSort {
  /** A fixed column, `metric:<name>` or `param:<name>`. */
  key: string
  dir: 'asc' | 'desc'
}

/** One list row as stored: no curves, no model, no scores. */
export interface RunListRecord extends RunSummaryRecord {
  trainDatasetId: string | null
  testDatasetId: string | null
  trial: { id: number; ordinal: number } | null
  tags: string[]
  note: string | null
}

interface ListRow extends SummaryRow {
  train_dataset_id: string | null
  test_dataset_id: string | null
  trial_id: number | null
  trial_ordinal: number | null
  note: string | null
  tags: string
}

/** The target verdict as SQL, the same rule as the host's `targetsMet` (no results or no targets: none). */
const VERDICT_SQL = `CASE WHEN r.metrics IS NULL OR json_array_length(r.targets) = 0 THEN 'none'
  WHEN EXISTS (SELECT 1 FROM json_each(r.targets) WHERE json_extract(json_each.value, '$.met') = 0) THEN 'not-met' ELSE 'met' END`

/** Active runs first, then the finished ones by how well they went. */
const STATUS_ORDER_SQL = `CASE r.status WHEN 'running' THEN 0 WHEN 'queued' THEN 1 WHEN 'done' THEN 2 WHEN 'failed' THEN 3 WHEN 'cancelled' THEN 4 ELSE 5 END`

const FIXED_SORT_SQL: Record<string, string> = {
  id: 'r.id',
  experiment: 'e.name COLLATE NOCASE',
  modelKind: 'r.model_kind',
  status: STATUS_ORDER_SQL,
  createdAt: 'r.created_at',
  finishedAt: 'r.finished_at',
  durationMs: 'r.duration_ms',
  // Met above not met; no verdict is null, so it sorts last either way.
  targets: `CASE ${VERDICT_SQL} WHEN 'met' THEN 1 WHEN 'not-met' THEN 0 ELSE NULL END`,
  params: 'r.params',
  // Tags in alphabetical order, then the note, as the column shows them; a run with neither is null (last).
  tags: `nullif(trim(coalesce((SELECT group_concat(tag, ' ') FROM (SELECT tag FROM run_tags WHERE run_id = r.id ORDER BY tag)), '') || ' ' || coalesce(r.note, '')), '') COLLATE NOCASE`
}

/**
 * What the text filter searches: the params without JSON quotes and with `:` as `=`, so a user's
 * `units=[16]` or `nEstimators:200` finds `{"units":[16]}` / `{"nEstimators":200}`.
 */
const HAYSTACK_SQL = `lower(e.name || ' ' || r.model_kind || ' ' || replace(replace(r.params, '"', ''), ':', '=') || ' ' || coalesce(r.note, '') || ' ' ||
  coalesce((SELECT group_concat(tag, ' ') FROM run_tags WHERE run_id = r.id), ''))`

const SELECT_LIST = `SELECT r.id, r.experiment_id, e.name AS experiment_name, r.model_kind, r.params, r.status, r.status_reason,
  r.created_at, r.started_at, r.finished_at, r.duration_ms, r.agent, r.metrics, r.targets, r.train_dataset_id, r.test_dataset_id,
  r.trial_id, t.ordinal AS trial_ordinal, r.note,
  (SELECT json_group_array(tag) FROM (SELECT tag FROM run_tags WHERE run_id = r.id ORDER BY tag)) AS tags
  FROM runs r JOIN experiments e ON e.id = r.experiment_id LEFT JOIN trials t ON t.id = r.trial_id`

/** A JSON path naming one top-level key (the key is checked by the contract: no quotes in it). */
function keyPath(key: string): string {
  return `$."${key}"`
}

function where(filter: RunFilter): { sql: string; args: unknown[] } {
  const parts: string[] = []
  const args: unknown[] = []
  const anyOf = (column: string, values: readonly unknown[] | undefined) => {
    if (!values) return
    // An empty choice matches nothing (the user unticked everything), not everything.
    if (values.length === 0) return void parts.push('0')
    parts.push(`${column} IN (${values.map(() => '?').join(', ')})`)
    args.push(...values)
  }
  anyOf('r.experiment_id', filter.experimentIds)
  anyOf('r.model_kind', filter.modelKinds)
  anyOf('r.status', filter.statuses)
  if (filter.datasetId) {
    parts.push(`(r.train_dataset_id LIKE ? OR r.test_dataset_id LIKE ?)`)
    args.push(`${filter.datasetId}%`, `${filter.datasetId}%`)
  }
  if (filter.targets) {
    parts.push(`(${VERDICT_SQL}) = ?`)
    args.push(filter.targets)
  }
  for (const tag of filter.tags ?? []) {
    parts.push('EXISTS (SELECT 1 FROM run_tags WHERE run_id = r.id AND tag = ?)')
    args.push(tag)
  }
  for (const term of (filter.text ?? '').toLowerCase().replace(/:/g, '=').split(/\s+/).filter(Boolean)) {
    parts.push(`instr(${HAYSTACK_SQL}, ?) > 0`)
    args.push(term)
  }
  return { sql: parts.length ? `WHERE ${parts.join(' AND ')}` : '', args }
}

function orderBy(sort: RunSort): { sql: string; args: unknown[] } {
  const dir = sort.dir === 'asc' ? 'ASC' : 'DESC'
  let expr: string
  const args: unknown[] = []
  if (sort.key.startsWith('metric:') || sort.key.startsWith('param:')) {
    const metric = sort.key.startsWith('metric:')
    expr = `json_extract(${metric ? 'r.metrics' : 'r.params'}, ?)`
    const path = keyPath(sort.key.slice(metric ? 7 : 6))
    // The expression appears twice (nulls last, then the value): its parameter too.
    args.push(path, path)
  } else {
    expr = FIXED_SORT_SQL[sort.key] ?? 'r.id'
  }
  // Missing values last whatever the direction; ties newest first.
  return { sql: `ORDER BY (${expr}) IS NULL, ${expr} ${dir}, r.id DESC`, args }
}

function toListRecord(r: ListRow): RunListRecord {
  return {
    ...toSummaryRecord(r),
    trainDatasetId: r.train_dataset_id,
    testDatasetId: r.test_dataset_id,
    trial: r.trial_id != null && r.trial_ordinal != null ? { id: r.trial_id, ordinal: r.trial_ordinal } : null,
    note: r.note,
    tags: JSON.parse(r.tags)
  }
}

/**
 * One page of the runs the filter matches, in the sort's order, and how many match in all.
 * `limit` null: every matching run (the CSV export).
 */
export function queryRuns(db: Db, q: { filter: RunFilter; sort: RunSort; offset: number; limit: number | null }): { total: number; rows: RunListRecord[] } {
  const w = where(q.filter)
  const o = orderBy(q.sort)
  // Dynamic SQL (one shape per combination of filters): prepared per call, not kept in stmt()'s cache.
  const total = db.prepare(`SELECT count(*) FROM runs r JOIN experiments e ON e.id = r.experiment_id ${w.sql}`).pluck().get(...w.args) as number
  const page = q.limit == null ? '' : 'LIMIT ? OFFSET ?'
  const rows = db.prepare(`${SELECT_LIST} ${w.sql} ${o.sql} ${page}`).all(...w.args, ...o.args, ...(q.limit == null ? [] : [q.limit, q.offset])) as ListRow[]
  return { total, rows: rows.map(toListRecord) }
}

/** The list rows of some runs by id (a compare page's header), in the order asked; missing ids are left out. */
export function listRecords(db: Db, ids: readonly number[]): RunListRecord[] {
  if (ids.length === 0) return []
  const rows = db.prepare(`${SELECT_LIST} WHERE r.id IN (${ids.map(() => '?').join(', ')})`).all(...ids) as ListRow[]
  const byId = new Map(rows.map((r) => [r.id, toListRecord(r)]))
  return ids.flatMap((id) => byId.get(id) ?? [])
}

export interface RunFacets {
  experiments: { id: number; name: string; count: number }[]
  modelKinds: { value: string; count: number }[]
  statuses: { value: string; count: number }[]
  datasets: { id: string; name: string; count: number }[]
  tags: { value: string; count: number }[]
  paramKeys: string[]
  metricKeys: string[]
}

/** What the list's filters can choose from, over every run of the workspace. */
export function runFacets(db: Db): RunFacets {
  const standard = METRIC_KEYS as readonly string[]
  const rank = (k: string) => (standard.includes(k) ? standard.indexOf(k) : standard.length)
  return {
    experiments: stmt(db, 'SELECT e.id, e.name, count(*) AS count FROM runs r JOIN experiments e ON e.id = r.experiment_id GROUP BY e.id ORDER BY e.name COLLATE NOCASE').all() as RunFacets['experiments'],
    modelKinds: stmt(db, 'SELECT model_kind AS value, count(*) AS count FROM runs GROUP BY model_kind ORDER BY model_kind').all() as RunFacets['modelKinds'],
    statuses: stmt(db, 'SELECT status AS value, count(*) AS count FROM runs GROUP BY status ORDER BY status').all() as RunFacets['statuses'],
    datasets: stmt(
      db,
      `SELECT d.id, d.name, count(DISTINCT r.id) AS count FROM runs r JOIN datasets d ON d.id = r.train_dataset_id OR d.id = r.test_dataset_id
       GROUP BY d.id ORDER BY max(r.id) DESC`
    ).all() as RunFacets['datasets'],
    tags: stmt(db, 'SELECT tag AS value, count(*) AS count FROM run_tags GROUP BY tag ORDER BY tag').all() as RunFacets['tags'],
    paramKeys: (stmt(db, 'SELECT DISTINCT j.key FROM runs r, json_each(r.params) j ORDER BY j.key').pluck().all() as string[]),
    metricKeys: (stmt(db, 'SELECT DISTINCT j.key FROM runs r, json_each(r.metrics) j WHERE r.metrics IS NOT NULL').pluck().all() as string[]).sort(
      (a, b) => rank(a) - rank(b) || a.localeCompare(b)
    )
  }
}

/**
 * A stamp that changes whenever the database does: commits by other connections move
 * `data_version`, this connection's own writes move `total_changes()`. Equal stamps: nothing
 * was written in between (so what was read then still holds).
 */
export function changeStamp(db: Db): string {
  const other = db.pragma('data_version', { simple: true }) as number
  const own = stmt(db, 'SELECT total_changes()').pluck().get() as number
  return `${other}:${own}`
}

export interface RunAnnotationRecord {
  runId: number
  tags: string[]
  note: string | null
}

export function getRunAnnotation(db: Db, runId: number): RunAnnotationRecord | null {
  const note = stmt(db, 'SELECT note FROM runs WHERE id = ?').get(runId) as { note: string | null } | undefined
  if (!note) return null
  const tags = stmt(db, 'SELECT tag FROM run_tags WHERE run_id = ? ORDER BY tag').pluck().all(runId) as string[]
  return { runId, tags, note: note.note }
}

/**
 * Replaces a run's tags (when given) and note (when given; blank clears it) in one transaction.
 * Null when the run does not exist.
 */
export function setRunAnnotation(db: Db, runId: number, a: { tags?: readonly string[]; note?: string | null }): RunAnnotationRecord | null {
  return writeTransaction(db, () => {
    if (!stmt(db, 'SELECT 1 FROM runs WHERE id = ?').get(runId)) return null
    if (a.tags) {
      stmt(db, 'DELETE FROM run_tags WHERE run_id = ?').run(runId)
      const insert = stmt(db, 'INSERT OR IGNORE INTO run_tags (run_id, tag) VALUES (?, ?)')
      for (const tag of a.tags) insert.run(runId, tag)
    }
    if (a.note !== undefined) stmt(db, 'UPDATE runs SET note = ? WHERE id = ?').run(a.note?.trim() ? a.note.trim() : null, runId)
    return getRunAnnotation(db, runId)
  })
}

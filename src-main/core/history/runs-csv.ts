/**
 * The runs list as CSV (RFC 4180, a header row): one row per run in the list's order, the run's
 * facts, then one `param:<name>` column per param and one `metric:<name>` column per metric any of
 * the rows has (empty where a run lacks it). Numbers keep full precision; text cells that a
 * spreadsheet would run as a formula (`=`, `+`, `-`, `@` first) are prefixed with `'`.
 */
import type { RunListRecord } from '../store/history-repo'
import type { TargetsVerdict } from '../eval/targets'

const FIXED = [
  'id',
  'experiment',
  'experiment_id',
  'model_kind',
  'trial',
  'status',
  'status_reason',
  'targets',
  'targets_met',
  'tags',
  'note',
  'train_dataset',
  'test_dataset',
  'created_at',
  'started_at',
  'finished_at',
  'duration_ms'
] as const

/** A cell: numbers as they are, text quoted when it must be and defused when it looks like a formula. */
function cell(v: unknown): string {
  if (v == null) return ''
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : ''
  if (typeof v === 'boolean') return v ? 'true' : 'false'
  let s = typeof v === 'string' ? v : JSON.stringify(v)
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
}

function verdict(r: RunListRecord): TargetsVerdict {
  if (!r.metrics || r.targets.length === 0) return 'none'
  return r.targets.every((t) => t.met) ? 'met' : 'not-met'
}

/** Column names sorted when not given, so two exports of the same runs have the same columns. */
export function runsCsv(rows: readonly RunListRecord[], opts: { paramKeys?: readonly string[]; metricKeys?: readonly string[] } = {}): { csv: string; columns: string[] } {
  const paramKeys = opts.paramKeys ?? [...new Set(rows.flatMap((r) => Object.keys(r.params)))].sort()
  const metricKeys = opts.metricKeys ?? [...new Set(rows.flatMap((r) => Object.keys(r.metrics ?? {})))].sort()
  const columns = [...FIXED, ...paramKeys.map((k) => `param:${k}`), ...metricKeys.map((k) => `metric:${k}`)]
  const lines = [columns.map(cell).join(',')]
  for (const r of rows) {
    const met = r.targets.filter((t) => t.met).length
    const fixed: unknown[] = [
      r.id,
      r.experimentName,
      r.experimentId,
      r.modelKind,
      r.trial?.ordinal ?? null,
      r.status,
      r.statusReason,
      verdict(r),
      // "2 of 3", not "2/3", which a spreadsheet reads as a date.
      r.targets.length ? `${met} of ${r.targets.length}` : null,
      r.tags.join('; '),
      r.note,
      r.trainDatasetId,
      r.testDatasetId,
      r.createdAt,
      r.startedAt,
      r.finishedAt,
      r.durationMs
    ]
    const params = paramKeys.map((k) => (Object.prototype.hasOwnProperty.call(r.params, k) ? r.params[k] : null))
    const metrics = metricKeys.map((k) => r.metrics?.[k] ?? null)
    lines.push([...fixed, ...params, ...metrics].map(cell).join(','))
  }
  return { csv: lines.join('\r\n') + '\r\n', columns }
}

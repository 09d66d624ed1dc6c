/**
 * Column roles in the UI: the words for each role, which roles a column may take, and how a
 * table of roles becomes import options. Pure functions, no Svelte: the import panel and the
 * dataset page's roles editor share them.
 */
import type { ColumnRole, ColumnRoleEntry, ImportOptions, LabelLikeColumn } from '../../../src-main/contract/api'

export const ROLE_LABELS: Record<ColumnRole, string> = {
  feature: 'feature',
  label: 'label',
  type: 'anomaly type',
  'extra-label': 'extra label',
  ignored: 'ignored',
  timestamp: 'timestamp',
  entity: 'entity'
}

export const ROLE_HELP: Record<ColumnRole, string> = {
  feature: 'a model input',
  label: 'the 0/1 anomaly label; with none the dataset is unlabelled',
  type: 'the name of each labelled row’s anomaly type',
  'extra-label': 'another 0/1 label kept beside the label, never a model input',
  ignored: 'neither read nor stored',
  timestamp: 'the time of each row; with none, rows are numbered at the interval',
  entity: 'one segment per value'
}

/** Import roles in the order a select lists them. */
export const IMPORT_ROLES: ColumnRole[] = ['feature', 'label', 'extra-label', 'type', 'timestamp', 'entity', 'ignored']

/** Roles at most one column holds. */
const SINGLE: ColumnRole[] = ['label', 'type', 'timestamp', 'entity']

/**
 * The roles after giving `column` the role `role`: a role only one column may hold moves, and
 * the column that held it becomes a feature.
 * @example withRole({ a: 'label', b: 'feature' }, 'b', 'label') // { a: 'feature', b: 'label' }
 */
export function withRole(roles: Record<string, ColumnRole>, column: string, role: ColumnRole): Record<string, ColumnRole> {
  const next: Record<string, ColumnRole> = {}
  for (const [name, r] of Object.entries(roles)) next[name] = SINGLE.includes(role) && r === role && name !== column ? 'feature' : r
  next[column] = role
  return next
}

/**
 * Import options that say every role explicitly (null: no such column), so the import does
 * exactly what the table shows and guesses nothing.
 * @example importOptionsFor([{ name: 't', role: 'timestamp' }, { name: 'x', role: 'feature' }, { name: 'cp', role: 'ignored' }])
 * // { timestampColumn: 't', labelColumn: null, typeColumn: null, entityColumn: null, extraLabelColumns: [], ignoreColumns: ['cp'] }
 */
export function importOptionsFor(columns: readonly ColumnRoleEntry[]): ImportOptions {
  const one = (role: ColumnRole) => columns.find((c) => c.role === role)?.name ?? null
  const all = (role: ColumnRole) => columns.filter((c) => c.role === role).map((c) => c.name)
  return {
    timestampColumn: one('timestamp'),
    labelColumn: one('label'),
    typeColumn: one('type'),
    entityColumn: one('entity'),
    extraLabelColumns: all('extra-label'),
    ignoreColumns: all('ignored')
  }
}

/**
 * The roles a stored version's column may change to on the dataset page (core/data/column-roles.ts
 * says why): columns with stored values move between feature, label, extra label and ignored; the
 * anomaly type column may only be dropped; the rest stay.
 * @example choicesFor('feature') // ['feature', 'label', 'extra-label', 'ignored']
 * @example choicesFor('timestamp') // ['timestamp']
 */
export function choicesFor(role: ColumnRole): ColumnRole[] {
  if (role === 'feature' || role === 'label' || role === 'extra-label') return ['feature', 'label', 'extra-label', 'ignored']
  if (role === 'type') return ['type', 'ignored']
  return [role]
}

/**
 * The changes a draft makes to a version's roles: only columns whose role differs.
 * @example changedRoles([{ name: 'a', role: 'feature' }], { a: 'extra-label' }) // { a: 'extra-label' }
 */
export function changedRoles(current: readonly ColumnRoleEntry[], draft: Record<string, ColumnRole>): Record<string, ColumnRole> {
  const out: Record<string, ColumnRole> = {}
  for (const c of current) if (draft[c.name] !== undefined && draft[c.name] !== c.role) out[c.name] = draft[c.name]
  return out
}

export const INTERVAL_UNITS = [
  { unit: 'ms', ms: 1 },
  { unit: 's', ms: 1000 },
  { unit: 'min', ms: 60_000 },
  { unit: 'h', ms: 3_600_000 },
  { unit: 'd', ms: 86_400_000 }
] as const
export type IntervalUnit = (typeof INTERVAL_UNITS)[number]['unit']

/**
 * A sampling interval typed as a number and a unit, in ms; null when blank, NaN when not a
 * positive number.
 * @example intervalFrom('5', 'min') // 300000
 * @example intervalFrom('', 's') // null
 * @example intervalFrom('-1', 's') // NaN
 */
export function intervalFrom(value: string, unit: IntervalUnit): number | null {
  if (value.trim() === '') return null
  const v = Number(value)
  const size = INTERVAL_UNITS.find((u) => u.unit === unit)!.ms
  return Number.isFinite(v) && v > 0 ? v * size : NaN
}

/**
 * Why a column looks like a label, in a few words (the host's message names CLI flags; the UI
 * offers buttons instead).
 * @example labelLikeReason({ reason: 'anomalous', common: 0, marked: 12, anomalousMarked: 1, anomalousOther: 0.2 })
 * // "where it is not 0 (12 rows), 100 % of rows are anomalous, against 20 % elsewhere"
 */
export function labelLikeReason(l: Pick<LabelLikeColumn, 'reason' | 'common' | 'marked' | 'anomalousMarked' | 'anomalousOther' | 'onEdges'>): string {
  const pct = (f: number) => `${Math.round(100 * f)} %`
  const where = `where it is not ${l.common} (${l.marked.toLocaleString('en-US')} rows)`
  return l.reason === 'anomalous'
    ? `${where}, ${pct(l.anomalousMarked)} of rows are anomalous, against ${pct(l.anomalousOther)} elsewhere`
    : `${where}, ${pct(l.onEdges)} of rows are where a labelled anomaly starts or ends`
}

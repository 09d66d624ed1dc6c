/**
 * Column roles of a stored version, and role changes from the dataset page. A version is
 * immutable: changed roles make a copy, stored as its child version (like label edits).
 *
 * What can change without going back to the files: the columns the version stores values of —
 * features, extra labels and the label — may become any of feature, extra label, label or
 * ignored (dropped from the child; its parent keeps them). A column becomes a label or extra
 * label only when every value is 0 or 1. The anomaly type column may be dropped (ignored).
 * Timestamp and entity columns shaped the rows and segments, and columns ignored at import
 * were never read: those stay as they are (re-import the files to change them).
 *
 * With no label left the child is unlabelled. When the label moves to another column, the
 * anomaly types (which named the old label's rows) are dropped and the note says so.
 */
import type { LabelledSeries } from './series'
import { TARGET_PREFIX } from './import/detect'
import type { ColumnRole, ColumnRoleEntry } from './import/options'

/** What a version's roles are when none were recorded (generated data, imports before roles). */
export function derivedRoles(v: { columns: string[]; targetNames: string[]; typeNames: string[]; unlabelled: boolean; segments: unknown[] | null; generator: string | null }): ColumnRoleEntry[] {
  return [
    { name: 'timestamp', role: 'timestamp' },
    ...(v.segments && v.segments.length > 1 && v.generator ? [{ name: 'entity', role: 'entity' as const }] : []),
    ...v.columns.map((name) => ({ name, role: 'feature' as const })),
    ...(v.unlabelled ? [] : [{ name: 'label', role: 'label' as const }]),
    ...(v.typeNames.length > 0 ? [{ name: 'anomaly_type', role: 'type' as const }] : []),
    ...v.targetNames.map((name) => ({ name: `${TARGET_PREFIX}${name}`, role: 'extra-label' as const }))
  ]
}

export interface RoleChangeResult {
  series: LabelledSeries
  roles: ColumnRoleEntry[]
  /** What changed, in words (the child version's note). */
  note: string
}

/** The roles that need the rows' values, and so only apply to columns the version stores. */
const VALUED: ColumnRole[] = ['feature', 'extra-label', 'label']

/**
 * Applies new roles (`next`: column name → role, for the columns that change) to a version with
 * roles `current`. Throws an Error naming the column when a change cannot be made.
 */
export function applyRoleChanges(series: LabelledSeries, current: ColumnRoleEntry[], next: Record<string, ColumnRole>): RoleChangeResult {
  const byName = new Map(current.map((c) => [c.name, c.role]))
  for (const name of Object.keys(next)) {
    if (!byName.has(name)) throw new Error(`no column '${name}' in this version (columns: ${current.map((c) => c.name).join(', ')})`)
  }
  const changes = current.filter((c) => next[c.name] !== undefined && next[c.name] !== c.role).map((c) => ({ ...c, to: next[c.name] }))
  if (changes.length === 0) throw new Error('no role changes: every column already has the role asked for')
  if (Object.values(next).filter((r) => r === 'label').length > 1) throw new Error('at most one column can be the label')

  for (const c of changes) {
    if (c.role === 'timestamp' || c.role === 'entity') {
      throw new Error(`column '${c.name}' is the ${c.role} column: it shaped the rows and segments of this version; re-import the files to change it`)
    }
    if (c.role === 'ignored') throw new Error(`column '${c.name}' was ignored at import and is not stored in this version; re-import the files to use it`)
    if (c.role === 'type' && c.to !== 'ignored') throw new Error(`column '${c.name}' holds anomaly type names: it can only be dropped (ignored)`)
    if (!VALUED.includes(c.to) && c.to !== 'ignored') throw new Error(`column '${c.name}' cannot become the ${c.to} column after import; re-import the files for that`)
  }

  // The stored values of every column that has them, as read from this version.
  const target = (name: string): Uint8Array | undefined => series.targets?.[name.startsWith(TARGET_PREFIX) ? name.slice(TARGET_PREFIX.length) : name]
  const valuesOf = (c: ColumnRoleEntry): Float32Array | Uint8Array => {
    if (c.role === 'feature') return series.values[series.columns.indexOf(c.name)]
    if (c.role === 'label') return series.labels
    const t = target(c.name)
    if (!t) throw new Error(`column '${c.name}' has no stored values in this version`)
    return t
  }
  const roleOf = (c: ColumnRoleEntry): ColumnRole => next[c.name] ?? c.role
  const zeroOne = (c: ColumnRoleEntry): Uint8Array => {
    const v = valuesOf(c)
    if (v instanceof Uint8Array) return v
    const out = new Uint8Array(v.length)
    for (let i = 0; i < v.length; i++) {
      const x = v[i]
      if (x !== 0 && x !== 1) {
        throw new Error(`column '${c.name}' cannot be a ${roleOf(c) === 'label' ? 'label' : 'label column'}: row ${i} holds ${Number.isNaN(x) ? 'a missing value' : x}, and labels are 0 or 1`)
      }
      out[i] = x
    }
    return out
  }

  const columns: string[] = []
  const values: Float32Array[] = []
  const targets: Record<string, Uint8Array> = {}
  let labels: Uint8Array | null = null
  let labelName: string | null = null
  const oldLabel = current.find((c) => c.role === 'label')?.name ?? null
  for (const c of current) {
    const role = roleOf(c)
    if (!VALUED.includes(c.role)) continue
    if (role === 'feature') {
      const v = valuesOf(c)
      columns.push(c.name)
      values.push(v instanceof Float32Array ? v : Float32Array.from(v))
    } else if (role === 'extra-label') {
      const key = c.name.startsWith(TARGET_PREFIX) ? c.name.slice(TARGET_PREFIX.length) : c.name
      if (targets[key]) throw new Error(`two extra labels would both be stored as '${key}': ignore one of them`)
      targets[key] = zeroOne(c)
    } else if (role === 'label') {
      labels = zeroOne(c)
      labelName = c.name
    }
  }
  if (columns.length === 0) throw new Error('no feature column would be left: a model needs at least one input')

  const labelMoved = labelName !== oldLabel
  const typeColumn = current.find((c) => c.role === 'type')
  const dropTypes = labelMoved || (typeColumn !== undefined && next[typeColumn.name] === 'ignored')
  const n = series.timestamps.length
  const unlabelled = labels === null
  const child: LabelledSeries = {
    ...series,
    columns,
    values,
    labels: labels ?? new Uint8Array(n),
    anomalyTypeNames: dropTypes ? [] : series.anomalyTypeNames,
    anomalyType: dropTypes ? new Uint8Array(n) : series.anomalyType,
    targets: Object.keys(targets).length > 0 ? targets : undefined,
    unlabelled: unlabelled || undefined
  }
  if (!child.targets) delete child.targets
  if (!child.unlabelled) delete child.unlabelled

  const roles = current.map((c) => {
    if (c.role === 'type' && dropTypes) return { name: c.name, role: 'ignored' as const }
    return { name: c.name, role: roleOf(c) }
  })
  const said = changes.map((c) => `${c.name} ${c.role} → ${c.to}`)
  if (labelMoved && typeColumn && series.anomalyTypeNames.length > 0 && next[typeColumn.name] !== 'ignored') {
    said.push(`anomaly types dropped (they named the rows of the old label${oldLabel ? ` '${oldLabel}'` : ''})`)
  }
  if (unlabelled && !series.unlabelled) said.push('now unlabelled')
  return { series: child, roles, note: `roles: ${said.join('; ')}` }
}

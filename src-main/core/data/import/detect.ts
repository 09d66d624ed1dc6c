/**
 * Detection and cell validation for dataset import: which delimiter a CSV uses, whether its
 * first row is a header, which column holds the time / label / anomaly type / entity, and how a
 * single cell becomes a number, a timestamp or a label. Parsing itself is left to csv-parse and
 * hyparquet; only these decisions are ours.
 *
 * Rules (also in the final report and the tests):
 * - Delimiter: among `,` `;` tab, the one that splits the first records (parsed by csv-parse,
 *   so quoted fields may contain any delimiter) into the most consistent number (>= 2) of fields;
 *   ties go to more fields, then to the order `,` `;` tab. One column only: `,`.
 * - Header: the first row is a header when some column holds text there and only numbers,
 *   dates, booleans or blanks in the rows below it. A single-row file is a header when every
 *   cell is text. Without a header the columns are named `col_1..col_n`.
 * - Timestamp column: `timestampColumn`, else the first column named timestamp/time/date/
 *   datetime/ts (any case), else the first column whose sampled cells all parse as ISO 8601.
 *   Values: ISO 8601 (`YYYY-MM-DD`, optional `T`/space + `HH:MM[:SS[.fff]]`, optional `Z` or
 *   `±HH[:MM]`; NO ZONE MEANS UTC, never local time, so an import is the same on every machine)
 *   or epoch numbers: |v| < 1e11 is seconds, otherwise milliseconds.
 * - Label column: `labelColumn`, else label/is_anomaly/anomaly/is_anomalous. Values 0/1,
 *   true/false, yes/no (any case; `1.0`/`0.0` too, as pandas writes float labels).
 * - Anomaly type column: `typeColumn`, else anomaly_type/type. Blank, `normal` and `none` mean
 *   no type.
 * - Entity column: `entityColumn`, else a column named exactly `entity` (what exportCsv writes).
 * - Target columns: `target:<name>` (what exportCsv writes for series.targets) and the
 *   `extraLabelColumns`, 0/1 values, stored as extra labels beside the label.
 * - `ignoreColumns` are neither read nor stored; a role option set to null means "no such column".
 * - Every other column is a numeric feature. Blank, NaN, null, NA, n/a and None cells are
 *   missing (counted, then filled by the `missing` rule, see missing-values.ts); any other text
 *   is an error, and so are ±Infinity and numbers a 32-bit float cannot hold (beyond ±3.4e38).
 */
import { parse as parseSync } from 'csv-parse/sync'
import { ImportError } from './import-error'
import { showCell } from './cell-text'
import type { MissingRule } from '../missing-values'
import type { ColumnRoleEntry, ImportOptions } from './options'

/**
 * What the readers take: the import options (options.ts), except that `missing` may also be
 * `keep`: missing cells are left NaN for a caller that fills them itself (scoring fills by the
 * bundle's rule, not the import default).
 */
export type ReadOptions = Omit<ImportOptions, 'missing'> & { missing?: MissingRule | 'keep' }

/** The role of every column of one file, as indices into `names`. -1 = absent. */
export interface ColumnPlan {
  names: string[]
  timestamp: number
  label: number
  type: number
  entity: number
  /** Indices of the extra label columns: `target:<name>` columns and `extraLabelColumns`. */
  targets: number[]
  /** The name each extra label is stored under (the column's name without `target:`). */
  targetNames: string[]
  features: number[]
  /** Columns neither read nor stored. */
  ignored: number[]
}

/** Every column of a plan with its role, in file order. */
export function planRoles(plan: ColumnPlan): ColumnRoleEntry[] {
  const role = (i: number): ColumnRoleEntry['role'] => {
    if (i === plan.timestamp) return 'timestamp'
    if (i === plan.label) return 'label'
    if (i === plan.type) return 'type'
    if (i === plan.entity) return 'entity'
    if (plan.targets.includes(i)) return 'extra-label'
    if (plan.ignored.includes(i)) return 'ignored'
    return 'feature'
  }
  return plan.names.map((name, i) => ({ name, role: role(i) }))
}

/**
 * What a reader (CSV or Parquet) hands back for one file, rows in file order. Checks that need
 * every row (time order, entity grouping) run afterwards on this, for both formats alike.
 */
export interface FileTable {
  file: string
  rows: number
  plan: ColumnPlan
  /** Epoch ms, or the row index when the file has no timestamp column. */
  timestamps: Float64Array
  values: Float32Array[]
  labels: Uint8Array
  /** 0 = none, else 1 + index into `typeNames` (this file's own numbering). */
  types: Uint8Array
  typeNames: string[]
  /** Entity code per row (index into `entityIds`), when the plan has an entity column. */
  entities?: Uint32Array
  entityIds: string[]
  targets: Record<string, Uint8Array>
  /** Missing (NaN) cells per feature name. */
  missing: Record<string, number>
  /** Where row `i` (0-based, file order) is, for error messages: CSV lines or Parquet rows. */
  locate(rows: number[]): Promise<{ line?: number; row?: number }[]>
}

export const DELIMITERS = [',', ';', '\t'] as const

// ---------------------------------------------------------------------------------------------
// Delimiter and header

/**
 * Picks the delimiter from a sample of whole lines (the caller cuts at the last newline).
 * `preferred` (from the extension, tab for .tsv) wins ties.
 */
export function detectDelimiter(sample: string, preferred?: string): string {
  let best = { d: preferred ?? ',', consistency: -1, fields: 0 }
  const order = preferred ? [preferred, ...DELIMITERS.filter((d) => d !== preferred)] : [...DELIMITERS]
  for (const d of order) {
    const records = sampleRecords(sample, d, 50)
    if (!records || records.length === 0) continue
    const fields = records[0].length
    if (fields < 2) continue
    let same = 0
    for (const r of records) if (r.length === fields) same++
    const consistency = same / records.length
    if (consistency > best.consistency || (consistency === best.consistency && fields > best.fields)) {
      best = { d, consistency, fields }
    }
  }
  return best.d
}

/** The first `max` records of a sample, or undefined when csv-parse rejects it with `d`. */
export function sampleRecords(sample: string, d: string, max: number): string[][] | undefined {
  try {
    return parseSync(sample, {
      delimiter: d,
      relax_column_count: true,
      relax_quotes: true,
      skip_empty_lines: true,
      bom: true,
      // A broken record (say an unclosed quote) must not hide the delimiter and header: skip it
      // here; the full parse reports it with its line.
      skip_records_with_error: true,
      to: max
    }) as string[][]
  } catch {
    return undefined
  }
}

export type CellKind = 'empty' | 'number' | 'date' | 'bool' | 'text'

export function cellKind(s: string): CellKind {
  const t = s.trim()
  if (t === '' || isMissingToken(t)) return 'empty'
  if (!Number.isNaN(Number(t))) return 'number'
  if (!Number.isNaN(parseIsoMs(t))) return 'date'
  const l = t.toLowerCase()
  if (l === 'true' || l === 'false' || l === 'yes' || l === 'no') return 'bool'
  return 'text'
}

export function detectHeader(records: string[][]): boolean {
  if (records.length === 0) return false
  const first = records[0]
  if (records.length === 1) return first.every((c) => cellKind(c) === 'text')
  for (let j = 0; j < first.length; j++) {
    if (cellKind(first[j]) !== 'text') continue
    let seen = 0
    let clean = true
    for (let r = 1; r < records.length && clean; r++) {
      const cell = records[r][j]
      if (cell === undefined) continue
      const k = cellKind(cell)
      if (k === 'text') clean = false
      else if (k !== 'empty') seen++
    }
    if (clean && seen > 0) return true
  }
  return false
}

// ---------------------------------------------------------------------------------------------
// Column roles

const TIME_NAMES = new Set(['timestamp', 'time', 'date', 'datetime', 'ts'])
const LABEL_NAMES = new Set(['label', 'is_anomaly', 'anomaly', 'is_anomalous'])
const TYPE_NAMES = new Set(['anomaly_type', 'type'])
export const TARGET_PREFIX = 'target:'

/** What each role option is called in messages: its option name and what it asks for. */
const ROLE_OPTIONS = {
  timestampColumn: 'the timestamp column',
  labelColumn: 'the label column',
  typeColumn: 'the anomaly type column',
  entityColumn: 'the entity column',
  extraLabelColumns: 'an extra label column',
  ignoreColumns: 'a column to ignore'
} as const

/**
 * Assigns roles to columns. Named columns (options) first; then, for roles not named (undefined;
 * null means "none"), a guess by name among the columns left: label/is_anomaly/anomaly/
 * is_anomalous, anomaly_type/type, entity, timestamp/time/date/datetime/ts, and last the first
 * column whose content `looksLikeTime(i)` (ISO strings in the sample for CSV, a TIMESTAMP/DATE
 * type for Parquet). Ignored and extra label columns are never guessed into another role.
 * `target:<name>` columns are extra labels too. Everything else is a feature.
 */
export function planColumns(
  file: string,
  names: string[],
  opts: ReadOptions,
  looksLikeTime: (i: number) => boolean,
  headerLine?: number
): ColumnPlan {
  const seen = new Set<string>()
  for (const n of names) {
    if (seen.has(n)) throw new ImportError(file, `duplicate column name '${n}'`, { line: headerLine, column: n })
    seen.add(n)
  }
  const indexOf = (wanted: string, option: keyof typeof ROLE_OPTIONS): number => {
    const i = names.indexOf(wanted)
    if (i < 0) {
      throw new ImportError(file, `unknown column '${wanted}' (option ${option}: ${ROLE_OPTIONS[option]}); available columns: ${names.join(', ')}`, { column: wanted })
    }
    return i
  }
  /** -2: not named (guess), -1: none, else the column. */
  const named = (option: 'timestampColumn' | 'labelColumn' | 'typeColumn' | 'entityColumn'): number => {
    const wanted = opts[option]
    if (wanted === undefined) return -2
    return wanted === null ? -1 : indexOf(wanted, option)
  }
  const listed = (option: 'extraLabelColumns' | 'ignoreColumns'): number[] => [...new Set((opts[option] ?? []).map((w) => indexOf(w, option)))]

  const ignored = listed('ignoreColumns')
  const extra = listed('extraLabelColumns')
  let timestamp = named('timestampColumn')
  let label = named('labelColumn')
  let type = named('typeColumn')
  let entity = named('entityColumn')
  const roles = () => [timestamp, label, type, entity]
  const roleNames = ['timestamp', 'label', 'anomaly type', 'entity']
  const conflict = (i: number, a: string, b: string) =>
    new ImportError(file, `column '${names[i]}' cannot be both ${a} and ${b}`, { column: names[i] })
  for (const i of ignored) {
    const k = roles().indexOf(i)
    if (k >= 0) throw conflict(i, `the ${roleNames[k]} column`, 'ignored')
    if (extra.includes(i)) throw conflict(i, 'an extra label', 'ignored')
  }
  for (const i of extra) {
    const k = roles().indexOf(i)
    if (k >= 0) throw conflict(i, `the ${roleNames[k]} column`, 'an extra label')
  }
  const free = (i: number) => !ignored.includes(i) && !extra.includes(i) && !roles().includes(i)
  const byName = (set: Set<string>): number => names.findIndex((n, i) => set.has(n.trim().toLowerCase()) && free(i))
  if (entity === -2) entity = names.findIndex((n, i) => n === 'entity' && free(i))
  if (label === -2) label = byName(LABEL_NAMES)
  if (type === -2) type = byName(TYPE_NAMES)
  if (timestamp === -2) {
    timestamp = byName(TIME_NAMES)
    if (timestamp < 0) timestamp = names.findIndex((n, i) => free(i) && !n.startsWith(TARGET_PREFIX) && looksLikeTime(i))
  }
  const r = roles()
  for (let a = 0; a < r.length; a++) {
    for (let b = a + 1; b < r.length; b++) {
      if (r[a] >= 0 && r[a] === r[b]) throw conflict(r[a], `the ${roleNames[a]} column`, `the ${roleNames[b]} column`)
    }
  }
  const targets: number[] = []
  const features: number[] = []
  for (let i = 0; i < names.length; i++) {
    if (r.includes(i) || ignored.includes(i)) continue
    if (extra.includes(i) || names[i].startsWith(TARGET_PREFIX)) targets.push(i)
    else features.push(i)
  }
  const targetNames = targets.map((i) => (names[i].startsWith(TARGET_PREFIX) ? names[i].slice(TARGET_PREFIX.length) : names[i]))
  const clash = targetNames.findIndex((t, k) => targetNames.indexOf(t) !== k)
  if (clash >= 0) {
    throw new ImportError(file, `two extra label columns would both be stored as '${targetNames[clash]}': ignore one of them`, { column: names[targets[clash]] })
  }
  return { names, timestamp, label, type, entity, targets, targetNames, features, ignored }
}

// ---------------------------------------------------------------------------------------------
// Cells

/** Blank cells and the usual spellings of "no value" (pandas, R, SQL dumps). */
export function isMissingToken(s: string): boolean {
  const t = s.trim()
  if (t.length === 0) return true
  if (t.length > 4) return false
  const l = t.toLowerCase()
  return l === 'nan' || l === 'null' || l === 'na' || l === 'n/a' || l === 'none'
}

/**
 * A feature cell as a number: NaN when missing, undefined when it is text (an error the caller
 * reports with its location). `Number()` does the work; it accepts surrounding blanks and
 * exponents. Under a `;` delimiter a decimal comma (`1,5`) is accepted, as European spreadsheets
 * write it; only tried after `Number()` failed, so it costs nothing on ordinary files.
 */
export function parseNumberCell(s: string, decimalComma: boolean): number | undefined {
  const v = Number(s)
  if (v === v) {
    // Number('') and Number('  ') are 0: a blank cell is missing, not zero.
    if (v === 0 && s.trim().length === 0) return NaN
    return v
  }
  if (isMissingToken(s)) return NaN
  if (decimalComma && /^\s*[-+]?\d*,\d+(?:[eE][-+]?\d+)?\s*$/.test(s)) return Number(s.replace(',', '.'))
  return undefined
}

/** The largest finite 32-bit float: a value within ±F32_MAX is always storable. */
export const F32_MAX = 3.4028234663852886e38

/**
 * Why a parsed feature value cannot be stored, or null when it can. Datasets store 32-bit
 * floats: ±Infinity and anything beyond ±3.4e38 (1e309 overflows even a double) would turn into
 * ±Infinity there and poison training silently. NaN (a missing cell) is the caller's to count.
 */
export function unstorableNumber(v: number, text: string): string | null {
  const f = Math.fround(v)
  if (f !== Infinity && f !== -Infinity) return null
  return /^\s*[-+]?inf/i.test(text)
    ? `${showCell(text)} is not a finite number (a missing value is a blank cell)`
    : `${showCell(text)} is out of range: datasets store 32-bit floats, at most ±3.4e38`
}

/** Epoch seconds or milliseconds, told apart by magnitude (1e11 s is the year 5138). */
export function epochToMs(v: number): number {
  return Math.abs(v) < 1e11 ? v * 1000 : v
}

/** A timestamp cell as epoch ms (ISO 8601 or an epoch number), NaN when it is neither. */
export function parseTimestampCell(s: string): number {
  const iso = parseIsoMs(s)
  if (iso === iso) return iso
  const t = s.trim()
  if (t.length === 0) return NaN
  const v = Number(t)
  return v === v ? epochToMs(v) : NaN
}

const d = (s: string, i: number): number => {
  const c = s.charCodeAt(i) - 48
  return c >= 0 && c <= 9 ? c : -1000
}
const two = (s: string, i: number): number => d(s, i) * 10 + d(s, i + 1)

/**
 * ISO 8601 date or date-time to epoch ms, NaN when the string is not one. Hand-written rather
 * than Date.parse because Date.parse reads a zone-less date-time as LOCAL time (and is slower):
 * here a missing zone is UTC. Fractions beyond milliseconds are truncated.
 */
export function parseIsoMs(str: string): number {
  let s = str
  if (s.length < 10) return NaN
  if (s.charCodeAt(0) <= 32 || s.charCodeAt(s.length - 1) <= 32) s = s.trim()
  if (s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45) return NaN
  const year = two(s, 0) * 100 + two(s, 2)
  const month = two(s, 5)
  const day = two(s, 8)
  if (year < 0 || month < 1 || month > 12 || day < 1 || day > 31) return NaN
  let hour = 0
  let minute = 0
  let second = 0
  let ms = 0
  let offsetMin = 0
  let i = 10
  const n = s.length
  if (i < n) {
    const sep = s.charCodeAt(i)
    if (sep !== 84 && sep !== 116 && sep !== 32) return NaN // T, t, space
    if (i + 6 > n || s.charCodeAt(i + 3) !== 58) return NaN
    hour = two(s, i + 1)
    minute = two(s, i + 4)
    i += 6
    if (i < n && s.charCodeAt(i) === 58) {
      if (i + 3 > n) return NaN
      second = two(s, i + 1)
      i += 3
      if (i < n && (s.charCodeAt(i) === 46 || s.charCodeAt(i) === 44)) {
        i++
        let scale = 100
        const startFrac = i
        while (i < n) {
          const c = d(s, i)
          if (c < 0) break
          ms += c * scale
          scale /= 10
          i++
        }
        if (i === startFrac) return NaN
        ms = Math.floor(ms)
      }
    }
    if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) return NaN
    if (i < n) {
      const z = s.charCodeAt(i)
      if (z === 90 || z === 122) {
        i++ // Z
      } else if (z === 43 || z === 45) {
        const sign = z === 43 ? 1 : -1
        const oh = two(s, i + 1)
        let om = 0
        i += 3
        if (i < n && s.charCodeAt(i) === 58) i++
        if (i < n) {
          om = two(s, i)
          i += 2
        }
        if (oh < 0 || oh > 23 || om < 0 || om > 59) return NaN
        offsetMin = sign * (oh * 60 + om)
      }
      if (i !== n) return NaN
    }
  }
  const t = Date.UTC(year, month - 1, day, hour, minute, second, ms)
  // Date.UTC rolls 2024-02-30 over into March: reject instead of guessing.
  if (new Date(t).getUTCDate() !== day) return NaN
  return t - offsetMin * 60_000
}

/** 0 or 1, or -1 when the cell is not a label. */
export function parseLabelCell(s: string): number {
  if (s === '0') return 0
  if (s === '1') return 1
  const t = s.trim().toLowerCase()
  if (t === 'true' || t === 'yes') return 1
  if (t === 'false' || t === 'no') return 0
  if (t.length === 0) return -1
  const v = Number(t)
  return v === 0 || v === 1 ? v : -1
}

export const LABEL_HELP = 'use 0/1, true/false or yes/no'

/** Blank, `normal` and `none` mean "no anomaly type". */
export function isNoType(s: string): boolean {
  const t = s.trim()
  if (t.length === 0) return true
  const l = t.toLowerCase()
  return l === 'normal' || l === 'none'
}

/** Interns `name` in `names`/`index`; returns its 1-based code (anomalyType convention). */
export function internType(name: string, names: string[], index: Map<string, number>): number {
  let code = index.get(name)
  if (code === undefined) {
    names.push(name)
    code = names.length
    index.set(name, code)
  }
  return code
}

// ---------------------------------------------------------------------------------------------
// Growable typed arrays: rows arrive one by one; double the capacity when full.

export function grow<T extends Float32Array | Float64Array | Uint8Array | Uint32Array>(a: T, need: number): T {
  if (need <= a.length) return a
  let cap = Math.max(1024, a.length)
  while (cap < need) cap *= 2
  const b = new (a.constructor as new (n: number) => T)(cap)
  b.set(a)
  return b
}

/**
 * The one table model every list in the renderer uses (runs, leaderboard, trials, A/B, error
 * lists, compare): columns that say how to read a cell, sorting by any column, a text filter over
 * the row and per column, paging, and the rows as shown written out as CSV. Pure: no DOM, no
 * Svelte (`state/table.svelte.ts` keeps the choices of a table whose rows are all in the page;
 * tables paged on the host use `sortRows` / `toCsv` / `fetchAllPages` directly).
 */
import { stringify } from 'csv-stringify/browser/esm/sync'

/** What a cell sorts and exports as: numbers sort as numbers, null (missing) sorts last. */
export type CellValue = number | string | boolean | null

export interface TableColumn<R> {
  key: string
  /** Heading (and the CSV header). */
  label: string
  /** The cell's value for CSV, and for sorting unless `sort` is given. */
  value: (row: R) => CellValue
  /** What the column sorts by when it is not the value (a status by where it is in a lifecycle). */
  sort?: (row: R) => CellValue
  /** The cell as read (filtering matches it); the value as text when absent. */
  text?: (row: R) => string
}

export interface TableSort {
  key: string
  dir: 'asc' | 'desc'
}

/** The text filter over the whole row, and per column (column key → text). */
export interface TableFilter {
  text?: string
  columns?: Record<string, string>
}

/** Rows per page once a table outgrows one screen; past `PAGE_SIZES`' largest the DOM would hold too much. */
export const PAGE_SIZES = [25, 50, 100, 200] as const
export const DEFAULT_PAGE_SIZE = 100

/**
 * Any stored value (a param, a JSON field) as a cell: numbers, text and booleans as they are,
 * lists and objects as JSON, missing as null.
 * @example cellOf([8, 4]) // "[8,4]"
 */
export function cellOf(v: unknown): CellValue {
  if (v == null) return null
  return typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean' ? v : JSON.stringify(v)
}

function cellText<R>(col: TableColumn<R>, row: R): string {
  if (col.text) return col.text(row)
  const v = col.value(row)
  return v == null ? '' : String(v)
}

/**
 * Orders two cell values: numbers by value, text by its natural order ("run 9" before "run 10"),
 * booleans false first; null (and NaN) go last whatever the direction, so the caller flips only
 * the rest.
 * @example [3, null, 1].sort((a, b) => compareCells(a, b, 'asc')) // [1, 3, null]
 */
export function compareCells(a: CellValue, b: CellValue, dir: 'asc' | 'desc'): number {
  const missA = a == null || (typeof a === 'number' && Number.isNaN(a))
  const missB = b == null || (typeof b === 'number' && Number.isNaN(b))
  if (missA || missB) return missA && missB ? 0 : missA ? 1 : -1
  let c: number
  if (typeof a === 'number' && typeof b === 'number') c = a - b
  else if (typeof a === 'boolean' && typeof b === 'boolean') c = Number(a) - Number(b)
  else c = String(a).localeCompare(String(b), undefined, { numeric: true, sensitivity: 'base' })
  return dir === 'asc' ? c : -c
}

/**
 * Rows sorted by a column (a stable sort: ties keep the given order). An unknown column, or no
 * sort, leaves the order as it is.
 * @example sortRows([{ n: 2 }, { n: 1 }], [{ key: 'n', label: 'n', value: (r) => r.n }], { key: 'n', dir: 'asc' }) // [{ n: 1 }, { n: 2 }]
 */
export function sortRows<R>(rows: readonly R[], columns: readonly TableColumn<R>[], sort: TableSort | null): R[] {
  const col = sort ? columns.find((c) => c.key === sort.key) : undefined
  if (!sort || !col) return [...rows]
  const key = col.sort ?? col.value
  return rows
    .map((row, i) => ({ row, i, v: key(row) }))
    .sort((a, b) => compareCells(a.v, b.v, sort.dir) || a.i - b.i)
    .map((x) => x.row)
}

/** Whitespace-separated terms, lower-cased. */
function terms(text: string | undefined): string[] {
  return (text ?? '').toLowerCase().split(/\s+/).filter(Boolean)
}

/**
 * The rows the filter keeps: every term of `text` must occur in some cell of the row, and every
 * term of a column's filter in that column's cell (case-insensitive substrings).
 * @example filterRows([{ a: 'lstm', b: 3 }, { a: 'iforest', b: 4 }], cols, { text: 'LST' }) // [{ a: "lstm", b: 3 }]
 */
export function filterRows<R>(rows: readonly R[], columns: readonly TableColumn<R>[], filter: TableFilter): R[] {
  const all = terms(filter.text)
  const per = Object.entries(filter.columns ?? {})
    .map(([key, text]) => ({ col: columns.find((c) => c.key === key), words: terms(text) }))
    .filter((p): p is { col: TableColumn<R>; words: string[] } => p.col !== undefined && p.words.length > 0)
  if (all.length === 0 && per.length === 0) return [...rows]
  return rows.filter((row) => {
    for (const { col, words } of per) {
      const cell = cellText(col, row).toLowerCase()
      if (!words.every((w) => cell.includes(w))) return false
    }
    if (all.length === 0) return true
    const line = columns.map((c) => cellText(c, row).toLowerCase()).join('\u0000')
    return all.every((w) => line.includes(w))
  })
}

/**
 * The first row of the page holding `offset`, kept within the rows (a filter that narrows the
 * rows moves a page past the end back to the last page).
 * @example clampOffset(250, 100, 120) // 100
 * @example clampOffset(-5, 100, 120) // 0
 */
export function clampOffset(offset: number, pageSize: number, total: number): number {
  const last = total === 0 ? 0 : Math.floor((total - 1) / pageSize) * pageSize
  return Math.max(0, Math.min(last, Math.floor(Math.max(0, offset) / pageSize) * pageSize))
}

/**
 * The rows of the page at `offset` (clamped).
 * @example pageOf([1, 2, 3, 4, 5], 2, 2) // [3, 4]
 */
export function pageOf<R>(rows: readonly R[], offset: number, pageSize: number): R[] {
  const start = clampOffset(offset, pageSize, rows.length)
  return rows.slice(start, start + pageSize)
}

/**
 * "41–60 of 123" for a page.
 * @example pageLabel(40, 20, 123) // "41–60 of 123"
 * @example pageLabel(0, 50, 0) // "0 of 0"
 */
export function pageLabel(offset: number, shown: number, total: number): string {
  const n = (x: number) => x.toLocaleString('en-US')
  if (total === 0 || shown === 0) return `0 of ${n(total)}`
  return `${n(offset + 1)}–${n(offset + shown)} of ${n(total)}`
}

/**
 * The rows as CSV (RFC 4180 by csv-stringify: a header row of the column labels, fields quoted
 * when they hold a comma, quote or line break, CRLF line ends). Text a spreadsheet would run as
 * a formula (`=`, `+`, `-`, `@`, tab or CR first) is prefixed with `'`; negative numbers stay
 * numbers. Booleans are `true` / `false`, missing cells empty, numbers at full precision.
 * @example toCsv([{ key: 'a', label: 'A', value: (r) => r }], ['x,y']) // 'A\r\n"x,y"\r\n'
 */
export function toCsv<R>(columns: readonly TableColumn<R>[], rows: readonly R[]): string {
  const records = rows.map((row) =>
    columns.map((c) => {
      const v = c.value(row)
      return typeof v === 'number' && !Number.isFinite(v) ? null : v
    })
  )
  return stringify(records, {
    header: true,
    columns: columns.map((c) => ({ key: String(columns.indexOf(c)), header: c.label })),
    record_delimiter: 'windows',
    escape_formulas: true,
    cast: { boolean: (b) => (b ? 'true' : 'false') }
  })
}

/**
 * The download's file name: what the table holds and the local date.
 * @example csvFileName('runs', new Date(2026, 10, 29, 5, 6)) // "runs-2026-11-29.csv"
 * @example csvFileName('Leaderboard of grid #3', new Date(2026, 0, 2)) // "leaderboard-of-grid-3-2026-01-02.csv"
 */
export function csvFileName(what: string, now: Date): string {
  const p = (n: number) => String(n).padStart(2, '0')
  const slug =
    what
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '') || 'table'
  return `${slug}-${now.getFullYear()}-${p(now.getMonth() + 1)}-${p(now.getDate())}.csv`
}

/**
 * Every row of a list paged on the host, fetched a page at a time (`pageMax`, the contract's
 * largest `limit`) until `total` rows came or a page comes back short; `onProgress` hears the
 * count so far. For exports of everything a filter matches.
 */
export async function fetchAllPages<R>(
  fetchPage: (offset: number, limit: number) => Promise<{ rows: readonly R[]; total: number }>,
  pageMax: number,
  onProgress?: (done: number, total: number) => void
): Promise<R[]> {
  const out: R[] = []
  for (;;) {
    const page = await fetchPage(out.length, pageMax)
    out.push(...page.rows)
    onProgress?.(out.length, page.total)
    if (page.rows.length < pageMax || out.length >= page.total) return out
  }
}

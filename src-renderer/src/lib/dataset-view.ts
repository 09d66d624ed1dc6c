/**
 * Pure helpers for the datasets views: no DOM, no Svelte (unit-tested in Node:
 * test/unit/renderer-datasets.test.ts). They turn what `datasets.window` returns into chart
 * points and shaded spans, do the zoom / pan arithmetic on row ranges, and keep the list of
 * pending label edits. Nothing here recomputes the dataset: the server owns the data and applies
 * the edits; these only decide what to ask for and how to draw it.
 */
import type { LabelEdit, SeriesWindow } from '../../../src-main/contract/api'

/** A half-open row range [from, to) in global row indices. */
export interface RowRange {
  from: number
  to: number
}

export interface XY {
  x: number
  y: number
}

// ---------------------------------------------------------------------------------------------
// Buckets → chart points

/**
 * Scales a column's values into [0, 1] by `lo`..`hi` (the column's own extent), so columns with
 * different units share one axis. A flat column (hi == lo) sits at 0.5.
 * @example normalise(5, 0, 10) // 0.5
 */
export function normalise(v: number, lo: number, hi: number): number {
  if (!(hi > lo)) return 0.5
  return (v - lo) / (hi - lo)
}

/**
 * The extent of one column of a window: smallest bucket min and largest bucket max, ignoring
 * NaN / null (empty buckets). Null when the column has no finite value.
 * @example columnExtent({ min: [1, 3], max: [2, 9] }) // { lo: 1, hi: 9 }
 */
export function columnExtent(col: { min: readonly (number | null)[]; max: readonly (number | null)[] }): { lo: number; hi: number } | null {
  let lo = Infinity
  let hi = -Infinity
  for (const v of col.min) if (v != null && Number.isFinite(v) && v < lo) lo = v
  for (const v of col.max) if (v != null && Number.isFinite(v) && v > hi) hi = v
  return lo <= hi ? { lo, hi } : null
}

/**
 * One column of a min/max-decimated window as a single line that goes through each bucket's min
 * then its max, both at the bucket's first row, so every bucket draws as a vertical stroke and a
 * one-row spike stays visible at any zoom. A bucket with min == max (a single row) gives one
 * point; an empty bucket (NaN / null) breaks the line (`y: NaN`, chart.js `spanGaps: false`).
 * With `scale`, values are mapped through it (e.g. normalised to [0, 1]).
 * @example bucketPoints([0, 10], { min: [1, 4], max: [3, 4] }) // [{x:0,y:1},{x:0,y:3},{x:10,y:4}]
 */
export function bucketPoints(
  start: readonly number[],
  col: { min: readonly (number | null)[]; max: readonly (number | null)[] },
  scale: (v: number) => number = (v) => v
): XY[] {
  const out: XY[] = []
  for (let b = 0; b < start.length; b++) {
    const x = start[b]!
    const lo = col.min[b]
    const hi = col.max[b]
    if (lo == null || hi == null || !Number.isFinite(lo) || !Number.isFinite(hi)) {
      out.push({ x, y: NaN })
      continue
    }
    out.push({ x, y: scale(lo) })
    if (hi !== lo) out.push({ x, y: scale(hi) })
  }
  return out
}

/** A run of adjacent buckets with labelled rows of one type, to shade behind the lines. */
export interface LabelSpan {
  /** Global rows [from, to). */
  from: number
  to: number
  /** 1 + index into typeNames; 0 = labelled but of no known type. */
  type: number
  /** Largest share of anomalous rows among its buckets (0..1): the shade's strength. */
  peak: number
}

/**
 * Merges the window's buckets that hold anomalous rows into spans of one type (what the chart
 * shades). A bucket ends where the next one starts; the last one ends at `window.to`.
 * @example labelSpans({ from: 0, to: 4, start: [0,1,2,3], anomalous: [0,1,1,0], type: [0,2,2,0] }) // [{ from: 1, to: 3, type: 2, peak: 1 }]
 */
export function labelSpans(w: Pick<SeriesWindow, 'to' | 'start' | 'anomalous' | 'type'>): LabelSpan[] {
  const spans: LabelSpan[] = []
  let cur: LabelSpan | null = null
  for (let b = 0; b < w.start.length; b++) {
    const frac = w.anomalous[b] ?? 0
    const a = w.start[b]!
    const e = b + 1 < w.start.length ? w.start[b + 1]! : w.to
    if (frac <= 0) {
      cur = null
      continue
    }
    const t = w.type[b] ?? 0
    if (cur && cur.type === t && cur.to === a) {
      cur.to = e
      cur.peak = Math.max(cur.peak, frac)
    } else {
      cur = { from: a, to: e, type: t, peak: frac }
      spans.push(cur)
    }
  }
  return spans
}

/**
 * Interpolated timestamp (epoch ms) of a row, from a window's bucket starts and times; rows
 * outside the window extrapolate with the nearest pair's step. Null for an empty window.
 * @example rowTime({ start: [0, 10], time: [0, 600_000] }, 5) // 300000
 */
export function rowTime(w: Pick<SeriesWindow, 'start' | 'time'>, row: number): number | null {
  const n = w.start.length
  if (n === 0) return null
  if (n === 1) return w.time[0]!
  // Binary search for the last bucket start <= row.
  let lo = 0
  let hi = n - 1
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1
    if (w.start[mid]! <= row) lo = mid
    else hi = mid - 1
  }
  const i = Math.min(lo, n - 2)
  const r0 = w.start[i]!
  const r1 = w.start[i + 1]!
  const t0 = w.time[i]!
  const t1 = w.time[i + 1]!
  if (r1 === r0) return t0
  return t0 + ((row - r0) * (t1 - t0)) / (r1 - r0)
}

// ---------------------------------------------------------------------------------------------
// Zoom, pan and the window to fetch

/** Smallest span the chart zooms to, in rows. */
export const MIN_SPAN = 20

/**
 * Keeps a range inside `bounds` without changing its span (unless it is wider than the bounds,
 * then it becomes the bounds); the span is at least `minSpan` when the bounds allow.
 * @example clampRange({ from: -5, to: 15 }, { from: 0, to: 100 }) // { from: 0, to: 20 }
 */
export function clampRange(r: RowRange, bounds: RowRange, minSpan = MIN_SPAN): RowRange {
  const total = bounds.to - bounds.from
  let span = Math.max(r.to - r.from, Math.min(minSpan, total))
  if (span >= total) return { from: bounds.from, to: bounds.to }
  let from = r.from
  if (from < bounds.from) from = bounds.from
  if (from + span > bounds.to) from = bounds.to - span
  span = Math.round(span)
  from = Math.round(from)
  return { from, to: from + span }
}

/**
 * Zooms a range by `factor` (< 1 zooms in, > 1 out) around `anchor` (a row), which keeps its
 * place on screen, then clamps into `bounds`.
 * @example zoomAt({ from: 0, to: 1000 }, 500, 0.5, { from: 0, to: 1000 }) // { from: 250, to: 750 }
 */
export function zoomAt(view: RowRange, anchor: number, factor: number, bounds: RowRange, minSpan = MIN_SPAN): RowRange {
  const span = view.to - view.from
  const a = Math.min(view.to, Math.max(view.from, anchor))
  const next = Math.max(minSpan, span * factor)
  const from = a - ((a - view.from) / span) * next
  return clampRange({ from, to: from + next }, bounds, minSpan)
}

/**
 * Shifts a range by `delta` rows, kept inside `bounds`.
 * @example panBy({ from: 100, to: 200 }, -150, { from: 0, to: 1000 }) // { from: 0, to: 100 }
 */
export function panBy(view: RowRange, delta: number, bounds: RowRange): RowRange {
  return clampRange({ from: view.from + delta, to: view.to + delta }, bounds, 0)
}

/**
 * A range widened by `margin` of its span on each side (at least `minPad` rows), clamped: where
 * the chart goes when an anomaly range is clicked.
 * @example withMargin({ from: 100, to: 200 }, { from: 0, to: 1000 }) // { from: 50, to: 250 }
 */
export function withMargin(r: RowRange, bounds: RowRange, margin = 0.5, minPad = 10): RowRange {
  const pad = Math.max(minPad, Math.round((r.to - r.from) * margin))
  return clampRange({ from: r.from - pad, to: r.to + pad }, bounds)
}

/**
 * The request for a view `width` pixels wide: the view plus `overscan` of its span on each side
 * (so a small pan draws at once), with one bucket per pixel over the view; never more than
 * 2 x width buckets in all, never fewer than the API's minimum of 10.
 * @example fetchPlan({ from: 1000, to: 2000 }, { from: 0, to: 10_000 }, 800) // { from: 750, to: 2250, buckets: 1200 }
 */
export function fetchPlan(view: RowRange, bounds: RowRange, width: number, overscan = 0.25): RowRange & { buckets: number } {
  const span = view.to - view.from
  const pad = Math.round(span * overscan)
  const from = Math.max(bounds.from, view.from - pad)
  const to = Math.min(bounds.to, view.to + pad)
  const px = Math.max(10, Math.round(width))
  const wanted = Math.round((px * (to - from)) / Math.max(1, span))
  const buckets = Math.max(10, Math.min(wanted, 2 * px, 20_000))
  return { from, to, buckets }
}

/**
 * True when a fetched window covers the view (so its data can be drawn as the settled state).
 * @example covers({ from: 0, to: 100 }, { from: 10, to: 90 }) // true
 */
export function covers(fetched: RowRange, view: RowRange): boolean {
  return fetched.from <= view.from && fetched.to >= view.to
}

/**
 * A mouse-wheel delta as a zoom factor: one notch (~100 px) zooms by ~20 %.
 * @example wheelFactor(-100) < 1 // true (wheel up zooms in)
 */
export function wheelFactor(deltaY: number, deltaMode = 0): number {
  const px = deltaMode === 1 ? deltaY * 33 : deltaMode === 2 ? deltaY * 400 : deltaY
  return Math.exp(Math.max(-300, Math.min(300, px)) * 0.002)
}

/**
 * A brush between two pointer positions as a row range, ordered, clamped to `bounds`, with the
 * end exclusive (the row under the pointer is included). Null for an empty brush.
 * @example brushRange(120.4, 80.6, { from: 0, to: 1000 }) // { from: 80, to: 121 }
 */
export function brushRange(a: number, b: number, bounds: RowRange): RowRange | null {
  const lo = Math.max(bounds.from, Math.floor(Math.min(a, b)))
  const hi = Math.min(bounds.to, Math.floor(Math.max(a, b)) + 1)
  return hi > lo ? { from: lo, to: hi } : null
}

// ---------------------------------------------------------------------------------------------
// Pending label edits

/** A pending edit, as the API takes it, with an id for keyed lists. */
export interface PendingEdit extends LabelEdit {
  key: number
}

/**
 * Appends an edit (later edits win where they overlap: the server applies them in order).
 * @example addEdit([], { start: 0, end: 10, label: 1, type: 'spike' }, 1) // [{ key: 1, start: 0, end: 10, label: 1, type: "spike" }]
 */
export function addEdit(edits: readonly PendingEdit[], edit: LabelEdit, key: number): PendingEdit[] {
  const clean: PendingEdit = { key, start: edit.start, end: edit.end, label: edit.label }
  if (edit.label === 1 && edit.type) clean.type = edit.type
  return [...edits, clean]
}

/** Drops the last edit (undo). @example undoEdit([a, b]) // [a] */
export function undoEdit<T>(edits: readonly T[]): T[] {
  return edits.slice(0, -1)
}

/** Drops one edit by key. */
export function removeEdit(edits: readonly PendingEdit[], key: number): PendingEdit[] {
  return edits.filter((e) => e.key !== key)
}

/**
 * The edits as `datasets.saveLabels` wants them (no keys).
 * @example toApiEdits([{ key: 3, start: 0, end: 5, label: 0 }]) // [{ start: 0, end: 5, label: 0 }]
 */
export function toApiEdits(edits: readonly PendingEdit[]): LabelEdit[] {
  return edits.map(({ key: _key, ...e }) => (e.label === 1 ? e : { start: e.start, end: e.end, label: 0 }))
}

/**
 * Rows the pending edits touch (union of their ranges): a preview count, not the label change
 * (the server decides that when it applies them).
 * @example editedRows([{ start: 0, end: 10 }, { start: 5, end: 20 }]) // 20
 */
export function editedRows(edits: readonly Pick<LabelEdit, 'start' | 'end'>[]): number {
  const sorted = [...edits].sort((a, b) => a.start - b.start)
  let total = 0
  let curStart = -1
  let curEnd = -1
  for (const e of sorted) {
    if (e.start > curEnd) {
      total += curEnd - curStart
      curStart = e.start
      curEnd = e.end
    } else if (e.end > curEnd) curEnd = e.end
  }
  return total + (curEnd - curStart)
}

/** The edits that overlap a row range (to draw only what is on screen). */
export function editsIn<T extends Pick<LabelEdit, 'start' | 'end'>>(edits: readonly T[], r: RowRange): T[] {
  return edits.filter((e) => e.end > r.from && e.start < r.to)
}

// ---------------------------------------------------------------------------------------------
// Colours, params, small formats

/** One colour per anomaly type, stable by the type's position in the dataset's type list. */
export const TYPE_PALETTE = ['#c0262d', '#d9730d', '#8a3ffc', '#0f7c8c', '#b5179e', '#6a7d00', '#1f5fbf', '#8c564b', '#e377c2', '#3f6212']

/**
 * The colour for a type code (1 + index into `typeNames`); code 0 (labelled, no type) is grey-red.
 * @example typeColor(1) // "#c0262d"
 */
export function typeColor(code: number): string {
  if (code <= 0) return '#9b4d52'
  return TYPE_PALETTE[(code - 1) % TYPE_PALETTE.length]!
}

/**
 * The colour for a type name among `typeNames`, new names after the known ones.
 * @example typeColorByName('spike', ['drop', 'spike']) // "#d9730d"
 */
export function typeColorByName(name: string | undefined, typeNames: readonly string[], extra: readonly string[] = []): string {
  if (!name) return typeColor(0)
  const i = typeNames.indexOf(name)
  if (i >= 0) return typeColor(i + 1)
  const j = extra.indexOf(name)
  return typeColor(typeNames.length + 1 + Math.max(0, j))
}

/** `#rrggbb` with an alpha, as `rgba(...)`. @example withAlpha('#ff0000', 0.5) // "rgba(255, 0, 0, 0.5)" */
export function withAlpha(hex: string, alpha: number): string {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex)
  if (!m) return hex
  return `rgba(${parseInt(m[1]!, 16)}, ${parseInt(m[2]!, 16)}, ${parseInt(m[3]!, 16)}, ${alpha})`
}

/** A scenario parameter as the generate form edits it. */
export interface ParamField {
  key: string
  kind: 'number' | 'text' | 'boolean'
  value: string
}

/**
 * The form fields for a scenario's `defaults`: numbers as number inputs, booleans as checkboxes,
 * everything else as text (JSON for objects).
 * @example paramFields({ days: 7, start: '2024-01-01' }) // [{ key: "days", kind: "number", value: "7" }, { key: "start", kind: "text", value: "2024-01-01" }]
 */
export function paramFields(defaults: Record<string, unknown>): ParamField[] {
  return Object.entries(defaults).map(([key, v]) => {
    if (typeof v === 'number') return { key, kind: 'number', value: String(v) }
    if (typeof v === 'boolean') return { key, kind: 'boolean', value: v ? 'true' : 'false' }
    if (typeof v === 'string') return { key, kind: 'text', value: v }
    return { key, kind: 'text', value: JSON.stringify(v) }
  })
}

/**
 * The params object from the form, typed by the defaults: only fields that differ from the
 * default are sent (the server fills the rest). Throws on a number field that is not a number.
 * @example readParams([{ key: 'days', kind: 'number', value: '14' }], { days: 7 }) // { days: 14 }
 */
export function readParams(fields: readonly ParamField[], defaults: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const f of fields) {
    const def = defaults[f.key]
    let v: unknown
    if (f.kind === 'number') {
      const t = f.value.trim()
      const n = Number(t)
      if (t === '' || !Number.isFinite(n)) throw new Error(`${f.key} must be a number`)
      v = n
    } else if (f.kind === 'boolean') {
      v = f.value === 'true'
    } else if (typeof def === 'string' || def === undefined || def === null) {
      v = f.value
    } else {
      try {
        v = JSON.parse(f.value)
      } catch {
        throw new Error(`${f.key} must be JSON`)
      }
    }
    if (JSON.stringify(v) !== JSON.stringify(def)) out[f.key] = v
  }
  return out
}

/**
 * Splits a text box of file paths (one per line or comma separated) into paths.
 * @example splitPaths('a.csv\n b.csv , c.csv') // ["a.csv", "b.csv", "c.csv"]
 */
export function splitPaths(text: string): string[] {
  return text
    .split(/[\n,]/)
    .map((s) => s.trim())
    .filter(Boolean)
}

/**
 * A byte count, binary units.
 * @example formatBytes(1536) // "1.5 KiB"
 */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n)) return '—'
  if (n < 1024) return `${n} B`
  const units = ['KiB', 'MiB', 'GiB', 'TiB']
  let v = n / 1024
  let i = 0
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024
    i++
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`
}

/**
 * Epoch ms as UTC `YYYY-MM-DD HH:MM` (dataset timestamps are UTC; this keeps them as stored).
 * @example formatUtc(Date.UTC(2024, 0, 2, 3, 4)) // "2024-01-02 03:04"
 */
export function formatUtc(ms: number | null | undefined, seconds = false): string {
  if (ms == null || !Number.isFinite(ms)) return '—'
  const iso = new Date(ms).toISOString()
  return `${iso.slice(0, 10)} ${iso.slice(11, seconds ? 19 : 16)}`
}

/**
 * The items of page `page` (0-based) of size `size`, and the page count.
 * @example pageOf([1, 2, 3, 4, 5], 1, 2) // { items: [3, 4], pages: 3, page: 1 }
 */
export function pageOf<T>(items: readonly T[], page: number, size: number): { items: T[]; pages: number; page: number } {
  const pages = Math.max(1, Math.ceil(items.length / size))
  const p = Math.min(Math.max(0, page), pages - 1)
  return { items: items.slice(p * size, (p + 1) * size), pages, page: p }
}

/**
 * Segment indices whose id contains `query` (case-insensitive), at most `limit`, plus the total.
 * @example filterSegments([{ id: 'a1' }, { id: 'b2' }, { id: 'a3' }], 'a', 10) // { indices: [0, 2], total: 2 }
 */
export function filterSegments(segments: readonly { id: string }[], query: string, limit: number): { indices: number[]; total: number } {
  const q = query.trim().toLowerCase()
  const indices: number[] = []
  let total = 0
  for (let i = 0; i < segments.length; i++) {
    if (q && !segments[i]!.id.toLowerCase().includes(q)) continue
    total++
    if (indices.length < limit) indices.push(i)
  }
  return { indices, total }
}

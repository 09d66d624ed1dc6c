/**
 * Pure display helpers: no DOM, no Svelte (unit-tested in Node: test/unit/renderer-format.test.ts).
 * They format what the API returns; they never recompute what the engine already knows.
 */
import type { Confusion, RunSummary, TargetResult } from '../../../src-main/contract/api'

const DASH = '—'

/**
 * A fraction in [0, 1] as a percentage.
 * @example formatPercent(0.9531) // "95.3%"
 * @example formatPercent(0.9531, 2) // "95.31%"
 */
export function formatPercent(fraction: number | null | undefined, digits = 1): string {
  if (fraction == null || !Number.isFinite(fraction)) return DASH
  return `${(fraction * 100).toFixed(digits)}%`
}

/**
 * A plain number with a fixed number of decimals.
 * @example formatDecimal(0.98765) // "0.988"
 */
export function formatDecimal(value: number | null | undefined, digits = 3): string {
  if (value == null || !Number.isFinite(value)) return DASH
  return value.toFixed(digits)
}

/**
 * An integer count with thousands separators (always `,`, independent of locale).
 * @example formatCount(1234567) // "1,234,567"
 */
export function formatCount(value: number | null | undefined): string {
  if (value == null || !Number.isFinite(value)) return DASH
  const sign = value < 0 ? '-' : ''
  const digits = Math.round(Math.abs(value)).toString()
  return sign + digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',')
}

/**
 * A duration in milliseconds, compact and human: ms under a second, then s, m s, h m.
 * @example formatDuration(850) // "850 ms"
 * @example formatDuration(12_300) // "12.3 s"
 * @example formatDuration(125_000) // "2m 05s"
 * @example formatDuration(3_725_000) // "1h 02m"
 */
export function formatDuration(ms: number | null | undefined): string {
  if (ms == null || !Number.isFinite(ms) || ms < 0) return DASH
  if (ms < 1000) return `${Math.round(ms)} ms`
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`
  const totalS = Math.round(ms / 1000)
  if (totalS < 3600) {
    const m = Math.floor(totalS / 60)
    const s = totalS % 60
    return `${m}m ${String(s).padStart(2, '0')}s`
  }
  const totalM = Math.round(ms / 60_000)
  const h = Math.floor(totalM / 60)
  const m = totalM % 60
  if (h < 48) return `${h}h ${String(m).padStart(2, '0')}m`
  return `${Math.floor(h / 24)}d ${h % 24}h`
}

/**
 * Estimated time left, rounded up to a readable unit.
 * @example formatEta(null) // "ETA unknown"
 * @example formatEta(40_000) // "about 40 s left"
 * @example formatEta(300_000) // "about 5 min left"
 */
export function formatEta(ms: number | null | undefined): string {
  if (ms == null || !Number.isFinite(ms) || ms < 0) return 'ETA unknown'
  if (ms < 1500) return 'almost done'
  if (ms < 60_000) return `about ${Math.ceil(ms / 1000)} s left`
  if (ms < 3_600_000) return `about ${Math.ceil(ms / 60_000)} min left`
  const h = Math.floor(ms / 3_600_000)
  const m = Math.ceil((ms - h * 3_600_000) / 60_000)
  return m > 0 ? `about ${h} h ${m} min left` : `about ${h} h left`
}

function pad2(n: number): string {
  return String(n).padStart(2, '0')
}

/**
 * An ISO timestamp as local `YYYY-MM-DD HH:MM` (sortable, locale-independent).
 * @example formatDateTime('2025-03-04T05:06:00') // "2025-03-04 05:06"
 */
export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return DASH
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) return iso
  return `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())} ${pad2(d.getHours())}:${pad2(d.getMinutes())}`
}

/**
 * An ISO timestamp as local `HH:MM:SS` (log lines).
 * @example formatTime('2025-03-04T05:06:07') // "05:06:07"
 */
export function formatTime(iso: string): string {
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) return iso
  return `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`
}

/**
 * Short relative time for recent timestamps, else the date.
 * @example formatRelative('2025-01-01T00:00:00Z', Date.parse('2025-01-01T00:05:00Z')) // "5 min ago"
 */
export function formatRelative(iso: string | null | undefined, now: number = Date.now()): string {
  if (!iso) return DASH
  const t = Date.parse(iso)
  if (Number.isNaN(t)) return iso
  const s = Math.round((now - t) / 1000)
  if (s < 0) return formatDateTime(iso)
  if (s < 45) return 'just now'
  if (s < 3600) return `${Math.max(1, Math.round(s / 60))} min ago`
  if (s < 86_400) return `${Math.round(s / 3600)} h ago`
  return formatDateTime(iso)
}

/** Metrics reported as fractions (shown as percentages). */
const FRACTION_METRICS = new Set(['accuracy', 'precision', 'recall', 'f1', 'fpr', 'specificity', 'fnr', 'tpr', 'tnr'])
/** Metrics reported as scores in [0, 1] (shown with 3 decimals). */
const SCORE_METRICS = new Set(['rocAuc', 'auc', 'averagePrecision', 'ap', 'prAuc'])

/**
 * A metric value in the unit its name implies: fractions as %, AUC-like scores with 3 decimals,
 * `...Ms` as milliseconds, `...Mb` / `...MB` as megabytes, anything else as a short number.
 * @example formatMetricValue('precision', 0.953) // "95.3%"
 * @example formatMetricValue('rocAuc', 0.9712) // "0.971"
 * @example formatMetricValue('inferenceMs', 12.34) // "12.3 ms"
 */
export function formatMetricValue(metric: string, value: number | null | undefined, digits = 1): string {
  if (value == null || !Number.isFinite(value)) return DASH
  if (FRACTION_METRICS.has(metric)) return formatPercent(value, digits)
  if (SCORE_METRICS.has(metric)) return value.toFixed(3)
  if (/ms$/i.test(metric) && !/^ms$/i.test(metric)) return `${formatShortNumber(value)} ms`
  if (/mb$/i.test(metric)) return `${formatShortNumber(value)} MB`
  return formatShortNumber(value)
}

/**
 * A number with about 4 significant digits, no exponent for everyday magnitudes.
 * @example formatShortNumber(0.000123456) // "0.0001235"
 * @example formatShortNumber(1234.5678) // "1234.6"
 */
export function formatShortNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value)
  if (Number.isInteger(value)) return String(value)
  const abs = Math.abs(value)
  if (abs >= 1000) return value.toFixed(1)
  if (abs >= 1e-6) return String(Number(value.toPrecision(4)))
  return value.toExponential(2)
}

/** Human labels for the contract's metric keys. */
export const METRIC_LABELS: Record<string, string> = {
  accuracy: 'Accuracy',
  precision: 'Precision',
  recall: 'Recall',
  f1: 'F1',
  fpr: 'False positive rate',
  specificity: 'Specificity',
  fnr: 'False negative rate',
  rocAuc: 'ROC AUC',
  averagePrecision: 'Average precision'
}

/**
 * "met/total met" for a run's target results, and a tone for the badge.
 * @example targetsBadge([{ met: true }, { met: false }]) // { label: "1/2 met", tone: "bad" }
 */
export function targetsBadge(targets: readonly Pick<TargetResult, 'met'>[]): { label: string; tone: 'good' | 'bad' | 'none' } {
  if (targets.length === 0) return { label: DASH, tone: 'none' }
  const met = targets.filter((t) => t.met).length
  return { label: `${met}/${targets.length} met`, tone: met === targets.length ? 'good' : 'bad' }
}

/**
 * A params record as one compact line: `key=value` joined by ` · `, long values shortened.
 * @example compactParams({ nEstimators: 200, contamination: 0.05 }) // "nEstimators=200 · contamination=0.05"
 */
export function compactParams(params: Record<string, unknown>, maxValueLength = 24): string {
  return Object.entries(params)
    .map(([k, v]) => `${k}=${truncate(formatParamValue(v), maxValueLength)}`)
    .join(' · ')
}

/** One parameter value as text: numbers short, arrays and objects as compact JSON. */
export function formatParamValue(v: unknown): string {
  if (v === null || v === undefined) return String(v)
  if (typeof v === 'number') return formatShortNumber(v)
  if (typeof v === 'string') return v
  if (typeof v === 'boolean') return v ? 'true' : 'false'
  try {
    return JSON.stringify(v)
  } catch {
    return String(v)
  }
}

/** @example truncate('abcdef', 4) // "abc…" */
export function truncate(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, Math.max(0, max - 1))}…`
}

/** @example shortHash('3f2a9c0d1e...') // "3f2a9c0d" */
export function shortHash(hash: string, length = 8): string {
  const h = hash.replace(/^sha256:/, '')
  return h.slice(0, length)
}

/**
 * Orders runs newest first: by creation time, then by id (ids grow with time).
 * @example [a, b].sort(compareRunsNewestFirst)
 */
export function compareRunsNewestFirst(a: Pick<RunSummary, 'id' | 'createdAt'>, b: Pick<RunSummary, 'id' | 'createdAt'>): number {
  const ta = Date.parse(a.createdAt)
  const tb = Date.parse(b.createdAt)
  if (Number.isFinite(ta) && Number.isFinite(tb) && ta !== tb) return tb - ta
  return b.id - a.id
}

/**
 * A new list with `run` inserted or replacing the entry with its id, newest first.
 * Returns the same array when nothing changed identity-wise is not guaranteed; callers assign it.
 */
export function upsertRun<T extends Pick<RunSummary, 'id' | 'createdAt'>>(list: readonly T[], run: T): T[] {
  const next = list.filter((r) => r.id !== run.id)
  next.push(run)
  next.sort(compareRunsNewestFirst)
  return next
}

/** True while a run may still change on its own (queued or running). */
export function isActive(status: RunSummary['status']): boolean {
  return status === 'queued' || status === 'running'
}

export interface ConfusionCell {
  key: 'tn' | 'fp' | 'fn' | 'tp'
  count: number
  /** Share of its row (actual class), 0..1; null when the row is empty. */
  rowShare: number | null
}

/**
 * The 2x2 grid of a confusion matrix: rows = actual normal / anomaly, columns = predicted
 * normal / anomaly, with row shares (a display ratio, not a metric).
 * @example confusionGrid({ tn: 90, fp: 10, fn: 1, tp: 9 })[1][1] // { key: "tp", count: 9, rowShare: 0.9 }
 */
export function confusionGrid(c: Confusion): [ConfusionCell, ConfusionCell][] {
  const row = (a: 'tn' | 'fn', b: 'fp' | 'tp'): [ConfusionCell, ConfusionCell] => {
    const total = c[a] + c[b]
    return [
      { key: a, count: c[a], rowShare: total > 0 ? c[a] / total : null },
      { key: b, count: c[b], rowShare: total > 0 ? c[b] / total : null }
    ]
  }
  return [row('tn', 'fp'), row('fn', 'tp')]
}

/**
 * A count with its noun, pluralised the English way (regular nouns only).
 * @example plural(1, 'line') // "1 line"
 * @example plural(3, 'run') // "3 runs"
 */
export function plural(n: number, noun: string): string {
  return `${formatCount(n)} ${noun}${n === 1 ? '' : 's'}`
}

/**
 * The singular of an English plural as tables name their rows ("searches", "runs", "rows").
 * @example singular('searches') // 'search'
 */
export function singular(nouns: string): string {
  return /(ch|sh|ss|x)es$/.test(nouns) ? nouns.slice(0, -2) : nouns.replace(/s$/, '')
}

/**
 * A count with its plural noun, singular for one: "1 search", "3 searches".
 * @example countOf(1, 'searches') // '1 search'
 */
export function countOf(n: number, nouns: string): string {
  return `${formatCount(n)} ${n === 1 ? singular(nouns) : nouns}`
}

/**
 * Inserts an epoch into a history (by epoch number: replaces a record with the same number),
 * keeping it ordered. Returns a new array.
 * @example mergeEpoch([{ epoch: 1 }, { epoch: 3 }], { epoch: 2 }).map((e) => e.epoch) // [1, 2, 3]
 */
export function mergeEpoch<T extends { epoch: number }>(list: readonly T[], e: T): T[] {
  const last = list[list.length - 1]
  if (!last || last.epoch < e.epoch) return [...list, e]
  const next = list.filter((x) => x.epoch !== e.epoch)
  next.push(e)
  next.sort((a, b) => a.epoch - b.epoch)
  return next
}

/**
 * Pure helpers of the threshold studio (no DOM, no Svelte; unit-tested in Node:
 * test/unit/threshold-studio.test.ts). The slider moves over the split's distinct scores in rank
 * order, so every position is a threshold that changes the flags, and a heavy-tailed score (an
 * autoencoder's reconstruction error) is as easy to sweep as a probability.
 */
import type { TypeRecall } from '../../../src-main/core/eval/metrics'
import type { ThresholdSweep } from '../../../src-main/core/eval/threshold-sweep'

/**
 * The distinct scores of a sweep, ascending: slider position p means threshold `asc[p]` (flag
 * every window scoring >= it). O(distinct scores).
 */
export function ascendingScores(sweep: Pick<ThresholdSweep, 'cuts' | 'distinctScore'>): Float64Array {
  const d = sweep.cuts - 1
  const asc = new Float64Array(d)
  for (let i = 0; i < d; i++) asc[i] = sweep.distinctScore(d - i)
  return asc
}

/**
 * The slider position of a threshold: the first distinct score >= it (so the position flags
 * exactly what the threshold flags), clamped to the last position when nothing is flagged.
 * @example positionOf(Float64Array.of(0.1, 0.5, 0.9), 0.5) // 1
 * @example positionOf(Float64Array.of(0.1, 0.5, 0.9), 0.3) // 1
 * @example positionOf(Float64Array.of(0.1, 0.5, 0.9), 2) // 2
 */
export function positionOf(asc: Float64Array, threshold: number): number {
  let lo = 0
  let hi = asc.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (asc[mid]! < threshold) lo = mid + 1
    else hi = mid
  }
  return Math.max(0, Math.min(asc.length - 1, lo))
}

/**
 * The threshold at a slider position (clamped).
 * @example thresholdAt(Float64Array.of(0.1, 0.5, 0.9), 7) // 0.9
 */
export function thresholdAt(asc: Float64Array, position: number): number {
  if (asc.length === 0) return NaN
  const p = Math.max(0, Math.min(asc.length - 1, Math.round(position)))
  return asc[p]!
}

/**
 * Positions a key moves the slider by: arrows step 0.1 % of the positions (at least one),
 * Shift + arrow one position, PageUp / PageDown 5 %; null for other keys.
 * @example sliderStep('ArrowRight', false, 600_000) // 600
 * @example sliderStep('ArrowLeft', true, 600_000) // -1
 * @example sliderStep('PageDown', false, 1000) // -50
 */
export function sliderStep(key: string, shift: boolean, positions: number): number | null {
  const small = shift ? 1 : Math.max(1, Math.round(positions / 1000))
  const big = Math.max(1, Math.round(positions / 20))
  switch (key) {
    case 'ArrowRight':
    case 'ArrowUp':
      return small
    case 'ArrowLeft':
    case 'ArrowDown':
      return -small
    case 'PageUp':
      return big
    case 'PageDown':
      return -big
    default:
      return null
  }
}

/**
 * A typed threshold: a finite number, or why not.
 * @example parseThreshold(' 0.42 ') // { ok: true, value: 0.42 }
 * @example parseThreshold('abc') // { ok: false, error: "not a number: abc" }
 */
export function parseThreshold(text: string): { ok: true; value: number } | { ok: false; error: string } {
  const t = text.trim()
  if (!t) return { ok: false, error: 'type a threshold' }
  const v = Number(t)
  if (!Number.isFinite(v)) return { ok: false, error: `not a number: ${t}` }
  return { ok: true, value: v }
}

/**
 * A threshold with enough digits to tell neighbouring scores apart (classifier probabilities
 * crowd near 0 and 1), without trailing noise.
 * @example formatThreshold(0.999912345) // "0.99991"
 * @example formatThreshold(12.5) // "12.5"
 * @example formatThreshold(0.000012345) // "1.2345e-5"
 */
export function formatThreshold(t: number | null | undefined): string {
  if (t == null || Number.isNaN(t)) return '—'
  if (!Number.isFinite(t)) return t > 0 ? '∞' : '−∞'
  if (t !== 0 && Math.abs(t) < 1e-4) return t.toExponential(4).replace(/\.?0+e/, 'e')
  return String(Number(t.toPrecision(5)))
}

export interface TypeRecallRow {
  type: string
  /** null when the split holds no labelled window of this type (recall is undefined there). */
  recall: number | null
  detected: number
  total: number
}

/**
 * Per-type recall rows, every type of the dataset listed: a type with no labelled window in the
 * split reads n/a rather than 0 %. Lowest recall first (what a user looks at), n/a last.
 */
export function typeRecallRows(perType: Record<string, TypeRecall>, typeNames: readonly string[]): TypeRecallRow[] {
  const rows = typeNames.map((type): TypeRecallRow => {
    const r = perType[type]
    if (!r || r.total === 0) return { type, recall: null, detected: 0, total: 0 }
    return { type, recall: r.recall, detected: r.detected, total: r.total }
  })
  return rows.sort((a, b) => (a.recall ?? 2) - (b.recall ?? 2) || a.type.localeCompare(b.type))
}

/**
 * A difference between two metric values as signed percentage points, for "vs trained".
 * @example formatDeltaPoints(0.91, 0.88) // "+3.0 pp"
 * @example formatDeltaPoints(0.5, 0.5) // "±0.0 pp"
 */
export function formatDeltaPoints(now: number, before: number): string {
  const d = (now - before) * 100
  if (!Number.isFinite(d)) return ''
  const sign = d > 0.04 ? '+' : d < -0.04 ? '−' : '±'
  return `${sign}${Math.abs(d).toFixed(1)} pp`
}

/** A threshold marked on the slider's track. */
export interface TrackMark {
  label: string
  value: number
  tone: 'trained' | 'chosen' | 'pick'
}

/**
 * The marks of the slider: the trained threshold, the saved decision (when it differs) and the
 * last pick (when it differs from both).
 * @example trackMarks(0.5, 0.7, null) // [{ label: "trained", value: 0.5, tone: "trained" }, { label: "saved", value: 0.7, tone: "chosen" }]
 */
export function trackMarks(trained: number | null, chosen: number | null, picked: number | null): TrackMark[] {
  const marks: TrackMark[] = []
  if (trained != null) marks.push({ label: 'trained', value: trained, tone: 'trained' })
  if (chosen != null && chosen !== trained) marks.push({ label: 'saved', value: chosen, tone: 'chosen' })
  if (picked != null && picked !== trained && picked !== chosen) marks.push({ label: 'picked', value: picked, tone: 'pick' })
  return marks
}

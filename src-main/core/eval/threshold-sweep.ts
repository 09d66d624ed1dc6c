/**
 * The threshold studio's engine: every threshold-dependent metric of one (run, split) at any
 * threshold, after one O(n log n) build (DESIGN §7).
 *
 * Same conventions as metrics.ts, which a test checks `at(t)` against: a window is flagged when
 * `score >= threshold`, ratios with a 0 denominator are 0. A NaN score is never flagged (as
 * `NaN >= t` is false there): such windows stay in every count as unflagged and are reported as
 * `unscored`, never dropped.
 *
 * Build, n windows, E episodes, M window-episode memberships:
 * - positives' and negatives' scores sorted once (native typed-array sort), merged into the
 *   distinct scores from the highest down with cumulative true / false positives: the confusion
 *   matrix at t is one binary search for the number of distinct scores >= t;
 * - per anomaly type, the sorted scores of that type's positive windows: detected = one binary
 *   search per type;
 * - events: episode e is caught at t iff max(scores over e) >= t, so the sorted episode maxima
 *   give the caught count by binary search. Its delay at t is set by the first window, in time
 *   order, with score >= t: scanning e's windows by end row, only those whose score beats every
 *   earlier one can be that window, giving a staircase of (level m_j, delay d_j), both rising.
 *   delay_e(t) = d_j for the least j with m_j >= t, which telescopes into
 *   d_last·[t <= m_last] + Σ_{j<last} (d_j − d_{j+1})·[t <= m_j]: a sum of weights over all
 *   staircase levels >= t, i.e. a suffix sum over the levels of every episode sorted together.
 *   Build O(M log M); each query O(log M).
 * So `at(t)` costs O(log n + K log n + log M) for K anomaly types, independent of n otherwise.
 */
import { rates, type Confusion, type EvalReport, type PrCurve, type RocCurve, type Scores, type TypeRecall } from './metrics'
import type { EpisodeWindows } from './episode-windows'

export interface SweepInput {
  scores: Scores
  /** 0/1 per window. */
  labels: Uint8Array
  /** Anomaly type code per window (0 = none; k = names[k - 1]) and the type names, for per-type recall. */
  types?: { codes: Uint8Array; names: string[] } | null
  /** Windows over each labelled episode, for event-level recall and detection delay. */
  episodes?: EpisodeWindows | null
}

export interface EventRecall {
  /** Labelled episodes, including those no window lies over. */
  episodes: number
  /** Episodes with at least one flagged window. */
  caught: number
  /** caught / episodes (0 with no episode). */
  recall: number
  /** Mean over caught episodes of (first flagged window's end row - episode's first row); null when none is caught. */
  meanDelayRows: number | null
  /** Episodes no scored window lies over: never caught, counted in `episodes`. */
  withoutWindow: number
}

export interface SweepReport extends EvalReport {
  balancedAccuracy: number
  /** Windows with score >= threshold. */
  flagged: number
  /** Windows whose score is NaN (never flagged; counted in the confusion matrix). */
  unscored: number
  /** Recall per anomaly type (empty without types). */
  perType: Record<string, TypeRecall>
  /** Event-level recall (null without episodes). */
  events: EventRecall | null
}

export interface OperatingPoint {
  threshold: number
  fpr: number
  tpr: number
  precision: number
  recall: number
}

export interface SweepCurves {
  roc: RocCurve
  pr: PrCurve
}

/** Staircases of every episode, sorted by level, as suffix sums (see the module comment). */
interface EventIndex {
  episodes: number
  withoutWindow: number
  /** Max score of each episode with a scored window, ascending. */
  maxima: Float64Array
  /** Staircase levels of all episodes, ascending. */
  levels: Float64Array
  /** suffixDelay[i] = Σ weights of levels[i..]; one extra 0 at the end. */
  suffixDelay: Float64Array
}

export class ThresholdSweep {
  readonly windows: number
  /** Labelled windows (label != 0), scored or not. */
  readonly positives: number
  readonly negatives: number
  readonly unscored: number
  /** Threshold-free ranking metrics over the curve below (metrics.ts's, when no score is NaN). */
  readonly rocAuc: number
  readonly averagePrecision: number
  /** Distinct scores, highest first, with the true / false positives at score >= each. */
  private readonly distinct: Float64Array
  private readonly tps: Int32Array
  private readonly fps: Int32Array
  private readonly typeNames: string[]
  /** Per type k (index k - 1): the scores of its positive windows, ascending, NaN left out. */
  private readonly typeScores: Float64Array[]
  private readonly typeTotals: Int32Array
  private readonly events: EventIndex | null
  private readonly curveCache = new Map<number, SweepCurves>()

  constructor(input: SweepInput) {
    const { scores, labels } = input
    const n = scores.length
    if (labels.length !== n) throw new Error(`threshold sweep: ${n} scores but ${labels.length} labels`)
    this.windows = n

    let P = 0
    let nan = 0
    for (let i = 0; i < n; i++) {
      if (labels[i] !== 0) P++
      if (Number.isNaN(scores[i])) nan++
    }
    this.positives = P
    this.negatives = n - P
    this.unscored = nan

    const pos = new Float64Array(P)
    const neg = new Float64Array(n - P)
    let p = 0
    let q = 0
    for (let i = 0; i < n; i++) {
      const s = scores[i]
      if (Number.isNaN(s)) continue
      if (labels[i] !== 0) pos[p++] = s
      else neg[q++] = s
    }
    const posSorted = pos.subarray(0, p).sort()
    const negSorted = neg.subarray(0, q).sort()
    const merged = mergeDistinct(posSorted, negSorted)
    this.distinct = merged.distinct
    this.tps = merged.tps
    this.fps = merged.fps
    const ranking = rankingMetrics(merged.tps, merged.fps, this.positives, this.negatives)
    this.rocAuc = ranking.rocAuc
    this.averagePrecision = ranking.averagePrecision

    const types = input.types ?? null
    this.typeNames = types ? [...types.names] : []
    this.typeScores = []
    this.typeTotals = new Int32Array(this.typeNames.length)
    if (types) {
      if (types.codes.length !== n) throw new Error(`threshold sweep: ${n} scores but ${types.codes.length} anomaly type codes`)
      this.buildTypes(scores, labels, types.codes)
    }

    this.events = input.episodes ? buildEvents(scores, input.episodes) : null
  }

  /** Every metric at `threshold` (flagged: score >= threshold). O(log n) per call. */
  at(threshold: number): SweepReport {
    if (typeof threshold !== 'number' || Number.isNaN(threshold)) throw new RangeError(`threshold must be a number, got ${threshold}`)
    const confusion = this.confusionAtCut(countDescendingAtLeast(this.distinct, threshold))
    const r = rates(confusion)
    return {
      threshold,
      confusion,
      ...r,
      balancedAccuracy: (r.recall + r.specificity) / 2,
      rocAuc: this.rocAuc,
      averagePrecision: this.averagePrecision,
      support: { normal: this.negatives, anomalous: this.positives },
      flagged: confusion.tp + confusion.fp,
      unscored: this.unscored,
      perType: this.perTypeAt(threshold),
      events: this.eventsAt(threshold)
    }
  }

  /** The ROC and PR point at `threshold` (where the studio draws its marker on the curves). */
  operatingPoint(threshold: number): OperatingPoint {
    const r = rates(this.confusionAtCut(countDescendingAtLeast(this.distinct, threshold)))
    return { threshold, fpr: r.fpr, tpr: r.recall, precision: r.precision, recall: r.recall }
  }

  /**
   * ROC and PR curves from the strictest threshold down, starting at +Infinity (as metrics.ts's),
   * sharing one list of thresholds, downsampled to at most `maxPoints`. A point is kept once the
   * ROC curve has moved by 2 / (maxPoints - 2) in |Δfpr| + |Δtpr| since the last kept one, so
   * steep and flat stretches both keep their shape (the whole curve is at most 2 long); the first
   * and last points are always kept. With maxPoints >= the distinct scores + 1, every point is.
   */
  curves(maxPoints = 200): SweepCurves {
    if (!Number.isInteger(maxPoints) || maxPoints < 3) throw new RangeError(`maxPoints must be an integer >= 3, got ${maxPoints}`)
    const cached = this.curveCache.get(maxPoints)
    if (cached) return cached
    const D = this.distinct.length
    const keep: number[] = [0]
    if (D + 1 <= maxPoints) {
      for (let k = 1; k <= D; k++) keep.push(k)
    } else {
      const step = 2 / (maxPoints - 2)
      let lastF = 0
      let lastT = 0
      for (let k = 1; k < D; k++) {
        const f = ratio(this.fps[k - 1], this.negatives)
        const t = ratio(this.tps[k - 1], this.positives)
        if (Math.abs(f - lastF) + Math.abs(t - lastT) >= step) {
          keep.push(k)
          lastF = f
          lastT = t
        }
      }
      if (D > 0) keep.push(D)
    }
    const roc: RocCurve = { fpr: [], tpr: [], thresholds: [] }
    const pr: PrCurve = { precision: [], recall: [], thresholds: [] }
    for (const k of keep) {
      const threshold = k === 0 ? Infinity : this.distinct[k - 1]
      const tp = k === 0 ? 0 : this.tps[k - 1]
      const fp = k === 0 ? 0 : this.fps[k - 1]
      roc.fpr.push(ratio(fp, this.negatives))
      roc.tpr.push(ratio(tp, this.positives))
      roc.thresholds.push(threshold)
      // At +Infinity precision is 1 by convention (sklearn's first PR point).
      pr.precision.push(k === 0 ? 1 : ratio(tp, tp + fp))
      pr.recall.push(ratio(tp, this.positives))
      pr.thresholds.push(threshold)
    }
    const out = { roc, pr }
    this.curveCache.set(maxPoints, out)
    return out
  }

  /** Cuts: 0 flags nothing, k flags the windows whose score is >= the k-th highest distinct score. */
  get cuts(): number {
    return this.distinct.length + 1
  }

  /** The k-th highest distinct score (1-based, as cuts count them). */
  distinctScore(k: number): number {
    if (!Number.isInteger(k) || k < 1 || k > this.distinct.length) throw new RangeError(`cut ${k} is not in [1, ${this.distinct.length}]`)
    return this.distinct[k - 1]
  }

  confusionAtCut(k: number): Confusion {
    const tp = k > 0 ? this.tps[k - 1] : 0
    const fp = k > 0 ? this.fps[k - 1] : 0
    return { tn: this.negatives - fp, fp, fn: this.positives - tp, tp }
  }

  private buildTypes(scores: Scores, labels: Uint8Array, codes: Uint8Array): void {
    const K = this.typeNames.length
    const scored = new Int32Array(K)
    for (let i = 0; i < codes.length; i++) {
      const k = codes[i]
      // As metrics.recallByType: only labelled windows count, unknown codes are ignored.
      if (k === 0 || k > K || labels[i] === 0) continue
      this.typeTotals[k - 1]++
      if (!Number.isNaN(scores[i])) scored[k - 1]++
    }
    const bufs = Array.from(scored, (c) => new Float64Array(c))
    const fill = new Int32Array(K)
    for (let i = 0; i < codes.length; i++) {
      const k = codes[i]
      if (k === 0 || k > K || labels[i] === 0 || Number.isNaN(scores[i])) continue
      bufs[k - 1][fill[k - 1]++] = scores[i]
    }
    for (const b of bufs) this.typeScores.push(b.sort())
  }

  private perTypeAt(threshold: number): Record<string, TypeRecall> {
    const out: Record<string, TypeRecall> = {}
    this.typeNames.forEach((name, j) => {
      const detected = countAscendingAtLeast(this.typeScores[j], threshold)
      const total = this.typeTotals[j]
      out[name] = { total, detected, recall: ratio(detected, total) }
    })
    return out
  }

  private eventsAt(threshold: number): EventRecall | null {
    const ev = this.events
    if (!ev) return null
    const caught = countAscendingAtLeast(ev.maxima, threshold)
    const from = ev.levels.length - countAscendingAtLeast(ev.levels, threshold)
    return {
      episodes: ev.episodes,
      caught,
      recall: ratio(caught, ev.episodes),
      meanDelayRows: caught > 0 ? ev.suffixDelay[from] / caught : null,
      withoutWindow: ev.withoutWindow
    }
  }
}

function ratio(num: number, den: number): number {
  return den === 0 ? 0 : num / den
}

/** How many entries of a descending array are >= t. */
function countDescendingAtLeast(desc: Float64Array, t: number): number {
  let lo = 0
  let hi = desc.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (desc[mid] >= t) lo = mid + 1
    else hi = mid
  }
  return lo
}

/** How many entries of an ascending array are >= t. */
function countAscendingAtLeast(asc: Float64Array, t: number): number {
  let lo = 0
  let hi = asc.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (asc[mid] < t) lo = mid + 1
    else hi = mid
  }
  return asc.length - lo
}

/**
 * Walks two ascending arrays from their ends: each distinct score once, highest first, with the
 * cumulative count of each array at or above it (tied windows move together, as in sklearn).
 */
function mergeDistinct(pos: Float64Array, neg: Float64Array): { distinct: Float64Array; tps: Int32Array; fps: Int32Array } {
  const cap = pos.length + neg.length
  const distinct = new Float64Array(cap)
  const tps = new Int32Array(cap)
  const fps = new Int32Array(cap)
  let i = pos.length - 1
  let j = neg.length - 1
  let tp = 0
  let fp = 0
  let d = 0
  while (i >= 0 || j >= 0) {
    const v = i < 0 ? neg[j] : j < 0 ? pos[i] : pos[i] >= neg[j] ? pos[i] : neg[j]
    // `===` makes -0 and +0 one score, as `>=` does.
    while (i >= 0 && pos[i] === v) {
      tp++
      i--
    }
    while (j >= 0 && neg[j] === v) {
      fp++
      j--
    }
    distinct[d] = v
    tps[d] = tp
    fps[d] = fp
    d++
  }
  return { distinct: distinct.slice(0, d), tps: tps.slice(0, d), fps: fps.slice(0, d) }
}

/**
 * ROC AUC (trapezoids) and average precision over the cuts, in metrics.ts's order of summation so
 * the numbers agree to the bit when every score is a number. Denominators count unscored windows.
 */
function rankingMetrics(tps: Int32Array, fps: Int32Array, P: number, N: number): { rocAuc: number; averagePrecision: number } {
  let rocAuc = NaN
  if (P > 0 && N > 0) {
    let area = 0
    let prevX = 0
    let prevY = 0
    for (let k = 0; k < tps.length; k++) {
      const x = fps[k] / N
      const y = tps[k] / P
      area += ((x - prevX) * (y + prevY)) / 2
      prevX = x
      prevY = y
    }
    rocAuc = area
  }
  let averagePrecision = 0
  if (P > 0) {
    let prevR = 0
    for (let k = 0; k < tps.length; k++) {
      const r = tps[k] / P
      averagePrecision += (r - prevR) * (tps[k] / (tps[k] + fps[k]))
      prevR = r
    }
  }
  return { rocAuc, averagePrecision }
}

function buildEvents(scores: Scores, ep: EpisodeWindows): EventIndex {
  const E = ep.firstRow.length
  if (ep.offsets.length !== E + 1) throw new Error(`episodes: ${E} first rows but ${ep.offsets.length} offsets (want ${E + 1})`)
  if (ep.windowEndRow.length !== scores.length) {
    throw new Error(`episodes: ${ep.windowEndRow.length} window end rows for ${scores.length} scored windows`)
  }
  const maxima: number[] = []
  const levels: number[] = []
  const weights: number[] = []
  let withoutWindow = 0
  for (let e = 0; e < E; e++) {
    const from = ep.offsets[e]
    const to = ep.offsets[e + 1]
    if (to === from) withoutWindow++
    // The staircase: windows in end-row order whose score beats every earlier one.
    let best = -Infinity
    let steps = 0
    let prevDelay = 0
    for (let k = from; k < to; k++) {
      const w = ep.windows[k]
      if (w < 0 || w >= scores.length) throw new Error(`episode ${e}: window ${w} is not one of the ${scores.length} scored windows`)
      const s = scores[w]
      if (!(s > best) && !(steps === 0 && s === -Infinity)) continue
      const delay = Math.max(0, ep.windowEndRow[w] - ep.firstRow[e])
      // The step before this one now pays (its delay - this delay) for thresholds up to its level.
      if (steps > 0) weights[weights.length - 1] = prevDelay - delay
      levels.push(s)
      weights.push(delay)
      prevDelay = delay
      best = s
      steps++
    }
    if (steps > 0) maxima.push(best)
  }
  const order = Array.from(levels.keys()).sort((a, b) => levels[a] - levels[b])
  const sortedLevels = new Float64Array(order.length)
  const suffixDelay = new Float64Array(order.length + 1)
  for (let i = 0; i < order.length; i++) sortedLevels[i] = levels[order[i]]
  for (let i = order.length - 1; i >= 0; i--) suffixDelay[i] = suffixDelay[i + 1] + weights[order[i]]
  return { episodes: E, withoutWindow, maxima: Float64Array.from(maxima).sort(), levels: sortedLevels, suffixDelay }
}

/**
 * Point-wise evaluation: window scores assigned to rows, so results compare with benchmarks that
 * score every time step (point-wise F1, false- and missed-alarm rates). The rule is a param:
 * - `last`: a row takes the score of the window that ends on it (an online detector's view: "is
 *   now anomalous?"); the first `window - 1` rows of each stretch get none;
 * - `max`: a row takes the highest score of the windows that cover it.
 * Rows of the evaluated part that get no score are counted and reported, never dropped silently.
 */
import { rates, type Confusion } from './metrics'

export const POINT_RULES = ['last', 'max'] as const
export type PointRule = (typeof POINT_RULES)[number]

export interface RowScores {
  /** Version rows the windows cover (every row of the evaluated part), ascending. */
  rows: Int32Array
  /** The score each row takes by the rule (NaN: no window gives it one). */
  scores: Float32Array
}

/**
 * Scores per row of the part the windows cover. `starts` are the windows' first rows (version
 * rows), `length` rows each.
 */
export function rowScores(starts: Int32Array, length: number, scores: ArrayLike<number>, rule: PointRule): RowScores {
  // The covered rows, in order: windows are sorted by start within each segment, and segments in order.
  const covered: number[] = []
  let last = -1
  const order = Array.from(starts.keys()).sort((a, b) => starts[a] - starts[b])
  for (const i of order) {
    for (let r = Math.max(starts[i], last + 1); r < starts[i] + length; r++) covered.push(r)
    last = Math.max(last, starts[i] + length - 1)
  }
  const rows = Int32Array.from(covered)
  const out = new Float32Array(rows.length).fill(NaN)
  const at = new Map<number, number>()
  rows.forEach((r, k) => at.set(r, k))
  for (let i = 0; i < starts.length; i++) {
    const s = scores[i]
    if (rule === 'last') {
      out[at.get(starts[i] + length - 1)!] = s
    } else {
      for (let r = starts[i]; r < starts[i] + length; r++) {
        const k = at.get(r)!
        if (Number.isNaN(out[k]) || s > out[k]) out[k] = s
      }
    }
  }
  return { rows, scores: out }
}

export interface PointMetrics {
  rule: PointRule
  threshold: number
  /** Rows of the evaluated part. */
  rows: number
  /** Rows with a score (evaluated). */
  scored: number
  /** Rows without one (the first rows of each stretch under `last`): not in the counts. */
  unscored: number
  confusion: Confusion
  precision: number
  recall: number
  f1: number
  fpr: number
  accuracy: number
  /** Missed-alarm rate (1 - recall) and false-alarm rate (FPR), as SKAB-style tables name them. */
  missedAlarmRate: number
  falseAlarmRate: number
  /** Labelled episodes (runs of anomalous rows) with at least one flagged row. */
  events: { episodes: number; caught: number; recall: number | null }
}

/** Point-wise counts at `threshold` (score >= threshold flags a row); `labels` are the version's. */
export function pointMetrics(rs: RowScores, labels: Uint8Array, threshold: number, rule: PointRule): PointMetrics {
  const c: Confusion = { tn: 0, fp: 0, fn: 0, tp: 0 }
  let scored = 0
  let episodes = 0
  let caught = 0
  let inEpisode = false
  let episodeCaught = false
  for (let k = 0; k < rs.rows.length; k++) {
    const r = rs.rows[k]
    const y = labels[r] !== 0
    const s = rs.scores[k]
    const has = !Number.isNaN(s)
    const flag = has && s >= threshold
    if (has) {
      scored++
      if (y) flag ? c.tp++ : c.fn++
      else flag ? c.fp++ : c.tn++
    }
    // An episode is a run of labelled rows in consecutive version rows.
    const continues = inEpisode && k > 0 && rs.rows[k - 1] === r - 1
    if (y && !continues) {
      if (inEpisode) {
        episodes++
        if (episodeCaught) caught++
      }
      inEpisode = true
      episodeCaught = false
    } else if (!y && inEpisode) {
      episodes++
      if (episodeCaught) caught++
      inEpisode = false
    }
    if (y && flag) episodeCaught = true
  }
  if (inEpisode) {
    episodes++
    if (episodeCaught) caught++
  }
  const m = rates(c)
  return {
    rule,
    threshold,
    rows: rs.rows.length,
    scored,
    unscored: rs.rows.length - scored,
    confusion: c,
    precision: m.precision,
    recall: m.recall,
    f1: m.f1,
    fpr: m.fpr,
    accuracy: m.accuracy,
    missedAlarmRate: 1 - m.recall,
    falseAlarmRate: m.fpr,
    events: { episodes, caught, recall: episodes > 0 ? caught / episodes : null }
  }
}

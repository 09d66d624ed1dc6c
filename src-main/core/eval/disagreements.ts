/**
 * Where detectors disagree: given 2-4 runs' stored scores over the same dataset version, each
 * window traced to its rows, the windows one run flags and another does not, at each run's own
 * threshold.
 *
 * Windows are matched by the row they end on: a window's score is what the detector knew when
 * that row arrived, so a 1-row Isolation Forest window and a 20-row LSTM window ending on the same
 * row are the same decision, made at the same moment. Windows of one length all match by their
 * rows exactly (`same-rows`); with different lengths the match is by end row (`end-row`), and
 * each run keeps its own label for its window (they may differ: a longer window can reach back
 * into an anomaly that a shorter one does not see, hence the `mixed` kind).
 *
 * Conventions as in metrics.ts: a window is flagged when `score >= threshold`; a NaN score is
 * never flagged. Only windows every run scored are compared.
 */

export interface RunWindows {
  scores: Float32Array | Float64Array
  labels: Uint8Array
  /** Anomaly-type code per window (0 none; k = typeNames[k - 1]), or null without types. */
  types: Uint8Array | null
  typeNames: readonly string[]
  /** First row of each window in the dataset version. */
  starts: Int32Array
  windowLength: number
  threshold: number
}

/** Every run labels it anomalous (one catches, one misses), normal (one false alarm), or the labels differ. */
export const KIND_NAMES = ['anomaly', 'normal', 'mixed'] as const
export type KindName = (typeof KIND_NAMES)[number]
const ANOMALY = 0
const NORMAL = 1
const MIXED = 2

export interface DisagreementTable {
  runs: number
  matchedBy: 'same-rows' | 'end-row'
  /** Windows every run scored. */
  compared: number
  /** Row each disagreement's windows end on, ascending. */
  endRows: Int32Array
  /** `windows[k][i]`: run k's window index for disagreement i. */
  windows: Int32Array[]
  /** Kind code per disagreement: index into KIND_NAMES. */
  kinds: Uint8Array
  /** Bit k set: run k flags the window. */
  flags: Uint8Array
}

export function isFlagged(score: number, threshold: number): boolean {
  return score >= threshold
}

/**
 * The table of disagreements. Cost O(n) per run plus O(R) memory for the rows the runs' windows
 * end on in common (R is at most the version's rows).
 */
export function findDisagreements(runs: readonly RunWindows[]): DisagreementTable {
  if (runs.length < 2 || runs.length > 8) throw new Error(`disagreements need 2 to 8 runs, got ${runs.length}`)
  const lengths = new Set(runs.map((r) => r.windowLength))
  // The rows every run has a window ending on lie in [lo, hi].
  let lo = -Infinity
  let hi = Infinity
  for (const r of runs) {
    let min = Infinity
    let max = -Infinity
    for (let i = 0; i < r.starts.length; i++) {
      const end = r.starts[i] + r.windowLength - 1
      if (end < min) min = end
      if (end > max) max = end
    }
    lo = Math.max(lo, min)
    hi = Math.min(hi, max)
  }
  const empty: DisagreementTable = {
    runs: runs.length,
    matchedBy: lengths.size === 1 ? 'same-rows' : 'end-row',
    compared: 0,
    endRows: new Int32Array(0),
    windows: runs.map(() => new Int32Array(0)),
    kinds: new Uint8Array(0),
    flags: new Uint8Array(0)
  }
  if (!(hi >= lo)) return empty
  // Window index by end row, for every run but the first (whose windows are walked).
  const span = hi - lo + 1
  const byEnd = runs.slice(1).map((r) => {
    const idx = new Int32Array(span).fill(-1)
    for (let i = 0; i < r.starts.length; i++) {
      const end = r.starts[i] + r.windowLength - 1
      if (end >= lo && end <= hi) idx[end - lo] = i
    }
    return idx
  })
  const first = runs[0]
  const found: { end: number; at: number[]; kind: number; flags: number }[] = []
  let compared = 0
  const at = new Array<number>(runs.length)
  for (let i = 0; i < first.starts.length; i++) {
    const end = first.starts[i] + first.windowLength - 1
    if (end < lo || end > hi) continue
    at[0] = i
    let all = true
    for (let k = 1; k < runs.length; k++) {
      const j = byEnd[k - 1][end - lo]
      if (j < 0) {
        all = false
        break
      }
      at[k] = j
    }
    if (!all) continue
    compared++
    let flags = 0
    let anomalous = 0
    for (let k = 0; k < runs.length; k++) {
      const r = runs[k]
      if (isFlagged(r.scores[at[k]], r.threshold)) flags |= 1 << k
      anomalous += r.labels[at[k]] ? 1 : 0
    }
    if (flags === 0 || flags === (1 << runs.length) - 1) continue
    found.push({ end, at: [...at], flags, kind: anomalous === runs.length ? ANOMALY : anomalous === 0 ? NORMAL : MIXED })
  }
  found.sort((a, b) => a.end - b.end)
  return {
    ...empty,
    compared,
    endRows: Int32Array.from(found, (f) => f.end),
    windows: runs.map((_, k) => Int32Array.from(found, (f) => f.at[k])),
    kinds: Uint8Array.from(found, (f) => f.kind),
    flags: Uint8Array.from(found, (f) => f.flags)
  }
}

export interface DisagreementSelection {
  kind?: KindName
  /** Run position (in the table's run order) that must flag the window. */
  flaggedBy?: number
  /** Run position that must not flag it. */
  notFlaggedBy?: number
}

/** Positions in the table (row order) of the disagreements a selection keeps. */
export function selectDisagreements(t: DisagreementTable, s: DisagreementSelection): Int32Array {
  const kind = s.kind ? KIND_NAMES.indexOf(s.kind) : -1
  const out: number[] = []
  for (let i = 0; i < t.endRows.length; i++) {
    if (kind >= 0 && t.kinds[i] !== kind) continue
    if (s.flaggedBy != null && !(t.flags[i] & (1 << s.flaggedBy))) continue
    if (s.notFlaggedBy != null && t.flags[i] & (1 << s.notFlaggedBy)) continue
    out.push(i)
  }
  return Int32Array.from(out)
}

export interface DisagreementCounts {
  all: number
  anomaly: number
  normal: number
  mixed: number
  /** For each ordered pair of run positions (a flags, b does not): counts by kind. */
  pairs: { flaggedBy: number; notFlaggedBy: number; anomaly: number; normal: number; mixed: number }[]
}

export function countDisagreements(t: DisagreementTable): DisagreementCounts {
  const byKind = [0, 0, 0]
  const pairs: DisagreementCounts['pairs'] = []
  for (let a = 0; a < t.runs; a++) for (let b = 0; b < t.runs; b++) if (a !== b) pairs.push({ flaggedBy: a, notFlaggedBy: b, anomaly: 0, normal: 0, mixed: 0 })
  for (let i = 0; i < t.endRows.length; i++) {
    const kind = KIND_NAMES[t.kinds[i]]
    byKind[t.kinds[i]]++
    for (const p of pairs) if (t.flags[i] & (1 << p.flaggedBy) && !(t.flags[i] & (1 << p.notFlaggedBy))) p[kind]++
  }
  return { all: t.endRows.length, anomaly: byKind[ANOMALY], normal: byKind[NORMAL], mixed: byKind[MIXED], pairs }
}

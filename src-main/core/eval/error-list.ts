/**
 * The false-negative inspector's list (issue 10 part 3): a split's missed windows (FN: labelled,
 * score below the threshold) or false alarms (FP: unlabelled, score >= threshold), each traced to
 * its rows, sortable and paged, grouped by labelled episode.
 *
 * Same conventions as threshold-sweep.ts, so the list's length is the confusion matrix's FN (FP)
 * count at the same threshold: flagged means `score >= threshold`; a NaN score is never flagged
 * (a labelled window with one is a FN, listed last whatever the order).
 */
import type { SplitEpisodes } from './split-episodes'

export type ErrorKind = 'fn' | 'fp'
export type ErrorSort = 'score' | 'margin' | 'type' | 'time'

export interface ErrorSource {
  scores: Float32Array
  labels: Uint8Array
  /** Anomaly type code per window (0: none; k: typeNames[k - 1]), or null. */
  types: Uint8Array | null
  typeNames: string[]
  /** First row of each window in the dataset version, ascending; `windowLength` rows each. */
  starts: Int32Array
  windowLength: number
  /** The version's timestamps (epoch ms) and segment ids (the split's windows index them through `episodes.windowSegment`). */
  timestamps: Float64Array
  segmentIds: string[]
  episodes: SplitEpisodes
}

export interface ErrorQuery {
  threshold: number
  kind: ErrorKind
  sort: ErrorSort
  order: 'asc' | 'desc'
  offset: number
  limit: number
}

export interface ErrorItemInfo {
  index: number
  score: number | null
  /** >= 0: FN threshold - score, FP score - threshold; null for a NaN score. */
  margin: number | null
  label: number
  type: string | null
  firstRow: number
  lastRow: number
  firstTime: number
  lastTime: number
  segment: string
  /** Index into the split's episodes; null for FP items and windows over no episode. */
  episode: number | null
}

export interface ErrorEpisodeInfo {
  id: number
  firstRow: number
  lastRow: number
  firstTime: number
  lastTime: number
  type: string | null
  segment: string
  windows: number
  flagged: number
  errors: number
  caught: boolean
  delayRows: number | null
}

export interface ErrorPage {
  total: number
  offset: number
  items: ErrorItemInfo[]
  /** The episodes of this page's items, ascending by id. */
  episodes: ErrorEpisodeInfo[]
}

/** Windows that are errors of `kind` at `threshold`, in window order. O(n). */
export function findErrors(scores: Float32Array, labels: Uint8Array, threshold: number, kind: ErrorKind): Int32Array {
  if (labels.length !== scores.length) throw new Error(`error list: ${scores.length} scores but ${labels.length} labels`)
  const out = new Int32Array(scores.length)
  let k = 0
  for (let i = 0; i < scores.length; i++) {
    const flagged = scores[i] >= threshold
    if (kind === 'fn' ? labels[i] !== 0 && !flagged : labels[i] === 0 && flagged) out[k++] = i
  }
  return out.slice(0, k)
}

/** One page of the errors of `q.kind` at `q.threshold`, sorted as asked (ties: window order). */
export function errorPage(src: ErrorSource, q: ErrorQuery): ErrorPage {
  const n = src.scores.length
  if (src.starts.length !== n) throw new Error(`error list: ${n} scores but ${src.starts.length} window starts`)
  const errors = findErrors(src.scores, src.labels, q.threshold, q.kind)
  const margin = (i: number) => (q.kind === 'fn' ? q.threshold - src.scores[i] : src.scores[i] - q.threshold)
  const typeName = (i: number): string | null => {
    const k = src.types ? src.types[i] : 0
    return k > 0 && k <= src.typeNames.length ? src.typeNames[k - 1] : null
  }
  const sign = q.order === 'desc' ? -1 : 1
  // NaN keys (NaN scores) go last in either order; ties keep window order.
  const byNumber = (key: (i: number) => number, dir: number) => (a: number, b: number) => {
    const x = key(a)
    const y = key(b)
    const xn = Number.isNaN(x)
    const yn = Number.isNaN(y)
    if (xn || yn) return xn === yn ? a - b : xn ? 1 : -1
    return x === y ? a - b : x < y ? -dir : dir
  }
  const nearestFirst = byNumber(margin, 1)
  const compare: Record<ErrorSort, (a: number, b: number) => number> = {
    score: byNumber((i) => src.scores[i], sign),
    margin: byNumber(margin, sign),
    time: byNumber((i) => src.timestamps[src.starts[i]], sign),
    // By type name (windows without a type after the named ones), then nearest to flipping.
    type: (a, b) => {
      const x = typeName(a)
      const y = typeName(b)
      if (x !== y) return x === null ? 1 : y === null ? -1 : sign * x.localeCompare(y)
      return nearestFirst(a, b)
    }
  }
  const sorted = errors.sort(compare[q.sort])

  const ep = src.episodes
  const page = sorted.subarray(Math.min(q.offset, sorted.length), Math.min(q.offset + q.limit, sorted.length))
  const episodeOf = (i: number): number | null => (q.kind === 'fn' && ep.windowEpisode[i] >= 0 ? ep.windowEpisode[i] : null)
  const items = Array.from(page, (i): ErrorItemInfo => {
    const s = src.scores[i]
    const first = src.starts[i]
    const last = first + src.windowLength - 1
    return {
      index: i,
      score: Number.isNaN(s) ? null : s,
      margin: Number.isNaN(s) ? null : margin(i),
      label: src.labels[i],
      type: typeName(i),
      firstRow: first,
      lastRow: last,
      firstTime: src.timestamps[first],
      lastTime: src.timestamps[last],
      segment: src.segmentIds[ep.windowSegment[i]],
      episode: episodeOf(i)
    }
  })

  const wanted = [...new Set(items.map((it) => it.episode).filter((e): e is number => e !== null))].sort((a, b) => a - b)
  const errorsIn = new Map<number, number>(wanted.map((e) => [e, 0]))
  if (wanted.length > 0) {
    for (const i of errors) {
      const e = episodeOf(i)
      if (e !== null && errorsIn.has(e)) errorsIn.set(e, errorsIn.get(e)! + 1)
    }
  }
  const episodes = wanted.map((e) => episodeInfo(src, e, q.threshold, errorsIn.get(e)!))
  return { total: sorted.length, offset: q.offset, items, episodes }
}

function episodeInfo(src: ErrorSource, e: number, threshold: number, errors: number): ErrorEpisodeInfo {
  const ep = src.episodes
  const { offsets, windows, windowEndRow, firstRow } = ep.index
  let flagged = 0
  let delayRows: number | null = null
  // Windows over an episode are listed in end-row order: the first flagged one sets the delay.
  for (let m = offsets[e]; m < offsets[e + 1]; m++) {
    const w = windows[m]
    if (!(src.scores[w] >= threshold)) continue
    if (flagged === 0) delayRows = Math.max(0, windowEndRow[w] - firstRow[e])
    flagged++
  }
  const k = ep.type[e]
  return {
    id: e,
    firstRow: ep.start[e],
    lastRow: ep.end[e] - 1,
    firstTime: src.timestamps[ep.start[e]],
    lastTime: src.timestamps[ep.end[e] - 1],
    type: k > 0 && k <= src.typeNames.length ? src.typeNames[k - 1] : null,
    segment: src.segmentIds[ep.segment[e]],
    windows: offsets[e + 1] - offsets[e],
    flagged,
    errors,
    caught: flagged > 0,
    delayRows
  }
}

/**
 * Pure helpers of the error inspector (no DOM, no Svelte; unit-tested in Node:
 * test/unit/error-inspector.test.ts): grouping a page of errors by labelled episode, the words
 * for an episode's state, the label edit a relabel makes, and the shapes the window's charts draw.
 */
import type { ErrorEpisode, ErrorItem, LabelEdit, RunWindow } from '../../../src-main/contract/api'
import { formatCount, plural } from './format'
import type { TableColumn } from './table'

export interface ErrorGroup {
  /** Stable key: `e<id>` for an episode, `none` for the items over no episode (false alarms). */
  key: string
  episode: ErrorEpisode | null
  items: ErrorItem[]
}

/**
 * The page's items grouped by episode, groups in the order their first item comes (so the list's
 * sort still decides what is on top), items in page order within a group.
 * @example groupByEpisode([{ index: 4, episode: 2 }, { index: 9, episode: null }, { index: 5, episode: 2 }], [ep2]).map((g) => g.key) // ["e2", "none"]
 */
export function groupByEpisode(items: readonly ErrorItem[], episodes: readonly ErrorEpisode[]): ErrorGroup[] {
  const byId = new Map(episodes.map((e) => [e.id, e]))
  const groups = new Map<string, ErrorGroup>()
  for (const item of items) {
    const key = item.episode == null ? 'none' : `e${item.episode}`
    let g = groups.get(key)
    if (!g) {
      g = { key, episode: item.episode == null ? null : (byId.get(item.episode) ?? null), items: [] }
      groups.set(key, g)
    }
    g.items.push(item)
  }
  return [...groups.values()]
}

/**
 * An episode's state at the threshold, in words: missed entirely, or partly caught (some of its
 * windows flagged), or caught.
 * @example episodeState({ windows: 10, flagged: 0, caught: false, delayRows: null }) // { tone: "missed", text: "missed: none of its 10 windows flagged" }
 * @example episodeState({ windows: 10, flagged: 3, caught: true, delayRows: 4 }) // { tone: "partial", text: "partly caught: 3 of 10 windows flagged, first flag 4 rows in" }
 */
export function episodeState(e: Pick<ErrorEpisode, 'windows' | 'flagged' | 'caught' | 'delayRows'>): { tone: 'missed' | 'partial' | 'caught'; text: string } {
  if (!e.caught || e.flagged === 0) {
    return { tone: 'missed', text: e.windows === 0 ? 'missed: no window lies over it' : `missed: none of its ${plural(e.windows, 'window')} flagged` }
  }
  const delay = e.delayRows == null ? '' : `, first flag ${plural(e.delayRows, 'row')} in`
  if (e.flagged < e.windows) return { tone: 'partial', text: `partly caught: ${formatCount(e.flagged)} of ${plural(e.windows, 'window')} flagged${delay}` }
  return { tone: 'caught', text: `caught: all ${plural(e.windows, 'window')} flagged${delay}` }
}

/** A relabel of a window's rows: normal, or anomalous of a type. */
export type Relabel = { label: 0 } | { label: 1; type: string }

/**
 * The label edit that relabels every row of the window (rows firstRow..lastRow), and the edit in
 * words.
 * @example relabelEdit({ firstRow: 100, lastRow: 159 }, { label: 0 }) // { edit: { start: 100, end: 160, label: 0 }, what: "rows 100–159 marked normal" }
 */
export function relabelEdit(item: Pick<ErrorItem, 'firstRow' | 'lastRow'>, r: Relabel): { edit: LabelEdit; what: string } {
  const rows = `rows ${formatCount(item.firstRow)}–${formatCount(item.lastRow)}`
  if (r.label === 0) return { edit: { start: item.firstRow, end: item.lastRow + 1, label: 0 }, what: `${rows} marked normal` }
  const type = r.type.trim()
  if (!type) throw new Error('relabel: name the anomaly type')
  return { edit: { start: item.firstRow, end: item.lastRow + 1, label: 1, type }, what: `${rows} marked anomalous (${type})` }
}

/**
 * Runs of consecutive labelled rows in a window's rows, as [from, to) offsets into them (the
 * shading of the labelled range).
 * @example labelledRuns(Uint8Array.of(0, 1, 1, 0, 1)) // [[1, 3], [4, 5]]
 */
export function labelledRuns(labels: ArrayLike<number>): [number, number][] {
  const out: [number, number][] = []
  let start = -1
  for (let i = 0; i <= labels.length; i++) {
    const on = i < labels.length && labels[i] !== 0
    if (on && start < 0) start = i
    else if (!on && start >= 0) {
      out.push([start, i])
      start = -1
    }
  }
  return out
}

/**
 * Features in the order the window's charts show them: by contribution when the reasons are in
 * (the feature that explains the score on top), else the dataset's column order. Features the
 * explanation does not name keep their column order after the named ones.
 * @example featureOrder(['a', 'b', 'c'], ['c', 'a']) // ["c", "a", "b"]
 */
export function featureOrder(columns: readonly string[], ranked: readonly string[] | null): string[] {
  if (!ranked) return [...columns]
  const known = new Set(columns)
  const first = ranked.filter((n) => known.has(n))
  const seen = new Set(first)
  return [...first, ...columns.filter((c) => !seen.has(c))]
}

/**
 * Where a score stands against the threshold, in words.
 * @example scoreVerdict(0.41, 0.53) // "0.12 below the threshold: not flagged"
 * @example scoreVerdict(0.61, 0.53) // "0.08 above the threshold: flagged"
 */
export function scoreVerdict(score: number | null, threshold: number): string {
  if (score == null || Number.isNaN(score)) return 'no score (NaN): never flagged'
  const d = score - threshold
  const mag = Number(Math.abs(d).toPrecision(2))
  return d >= 0 ? `${mag} above the threshold: flagged` : `${mag} below the threshold: not flagged`
}

/**
 * A colour for a heat-strip cell: `zero` (the panel's colour, `#rrggbb`; white by default) at 0,
 * the accent's red at the strip's max; negative values (occlusion that lowered the score) in blue.
 * @example heatColor(0, 1) // "rgb(255, 255, 255)"
 * @example heatColor(1, 1) // "rgb(192, 38, 45)"
 * @example heatColor(0, 1, '#171c24') // "rgb(23, 28, 36)"
 */
export function heatColor(v: number, max: number, zero = '#ffffff'): string {
  const z = [1, 3, 5].map((i) => parseInt(zero.slice(i, i + 2), 16) || 0) as [number, number, number]
  if (!(max > 0) || !Number.isFinite(v)) return `rgb(${z.join(', ')})`
  const a = Math.max(-1, Math.min(1, v / max))
  const mix = (from: number, to: number, t: number) => Math.round(from + (to - from) * t)
  const [r, g, b] = a >= 0 ? [192, 38, 45] : [37, 99, 201]
  const t = Math.abs(a)
  return `rgb(${mix(z[0], r, t)}, ${mix(z[1], g, t)}, ${mix(z[2], b, t)})`
}

/**
 * A window opened by itself (from a link: `#/runs/12?split=test&window=345`) as the item the
 * inspector's detail shows, whether or not it is an error at the threshold. `margin` is the
 * score's distance from the threshold (how far it is from flipping); the episode is not known here.
 * @example windowItem({ index: 3, score: 0.4, label: 1, type: 'spike', windowStart: 120, windowEnd: 129, from: 100, timestamps, segment: { id: 'a' } }, 0.5).margin // 0.1
 */
export function windowItem(
  win: Pick<RunWindow, 'index' | 'score' | 'label' | 'type' | 'windowStart' | 'windowEnd' | 'from' | 'timestamps' | 'segment'>,
  threshold: number
): ErrorItem {
  const score = Number.isNaN(win.score) ? null : win.score
  return {
    index: win.index,
    score,
    margin: score == null ? null : Math.abs(score - threshold),
    label: win.label,
    type: win.type,
    firstRow: win.windowStart,
    lastRow: win.windowEnd,
    firstTime: win.timestamps[win.windowStart - win.from] ?? NaN,
    lastTime: win.timestamps[win.windowEnd - win.from] ?? NaN,
    segment: win.segment.id,
    episode: null
  }
}

/** What a window is at a threshold: an error (missed, false alarm) or not. */
export type WindowOutcome = 'tp' | 'fp' | 'fn' | 'tn'

/**
 * The window's cell of the confusion matrix at the threshold (a NaN score is never flagged), and
 * the cell in words.
 * @example windowOutcome(1, 0.4, 0.5) // { outcome: "fn", text: "missed: labelled anomalous, not flagged" }
 * @example windowOutcome(0, 0.2, 0.5) // { outcome: "tn", text: "correct: labelled normal, not flagged" }
 */
export function windowOutcome(label: number, score: number | null, threshold: number): { outcome: WindowOutcome; text: string } {
  const flagged = score != null && !Number.isNaN(score) && score >= threshold
  if (label) return flagged ? { outcome: 'tp', text: 'caught: labelled anomalous, flagged' } : { outcome: 'fn', text: 'missed: labelled anomalous, not flagged' }
  return flagged ? { outcome: 'fp', text: 'false alarm: labelled normal, flagged' } : { outcome: 'tn', text: 'correct: labelled normal, not flagged' }
}

/**
 * Why a linked window (`#/runs/12?split=validation&window=345`) cannot be opened on this run, or
 * null when it can: the run must have stored that split's scores, and the index must be one of them.
 * @example windowLinkProblem({ split: 'validation', index: 3 }, [{ split: 'test', count: 10 }]) // "this run stored no validation scores (stored: test), so validation window 3 cannot be opened"
 * @example windowLinkProblem({ split: 'test', index: 10 }, [{ split: 'test', count: 10 }]) // "test window 10 does not exist: the split stored 10 windows (0 to 9)"
 */
export function windowLinkProblem(link: { split: string; index: number }, splits: readonly { split: string; count: number }[]): string | null {
  const s = splits.find((x) => x.split === link.split)
  if (!s) {
    const stored = splits.map((x) => x.split).join(', ')
    return `this run stored no ${link.split} scores${stored ? ` (stored: ${stored})` : ''}, so ${link.split} window ${formatCount(link.index)} cannot be opened`
  }
  if (link.index >= s.count) return `${link.split} window ${formatCount(link.index)} does not exist: the split stored ${plural(s.count, 'window')}${s.count > 0 ? ` (0 to ${formatCount(s.count - 1)})` : ''}`
  return null
}

/**
 * An error list's columns as the inspector lists them (and as its CSV export writes them): the
 * window, its score and margin to the threshold, label and anomaly type, the rows and times it
 * covers (ISO 8601, UTC), its segment and episode (numbered from 1, as shown).
 */
export function errorColumns(): TableColumn<ErrorItem>[] {
  const iso = (ms: number) => (Number.isFinite(ms) ? new Date(ms).toISOString() : null)
  return [
    { key: 'index', label: 'Window', value: (e) => e.index },
    { key: 'score', label: 'Score', value: (e) => e.score },
    { key: 'margin', label: 'Margin', value: (e) => e.margin },
    { key: 'label', label: 'Label', value: (e) => e.label },
    { key: 'type', label: 'Type', value: (e) => e.type },
    { key: 'firstRow', label: 'First row', value: (e) => e.firstRow },
    { key: 'lastRow', label: 'Last row', value: (e) => e.lastRow },
    { key: 'firstTime', label: 'First time', value: (e) => iso(e.firstTime) },
    { key: 'lastTime', label: 'Last time', value: (e) => iso(e.lastTime) },
    { key: 'segment', label: 'Segment', value: (e) => e.segment },
    { key: 'episode', label: 'Episode', value: (e) => (e.episode == null ? null : e.episode + 1) }
  ]
}

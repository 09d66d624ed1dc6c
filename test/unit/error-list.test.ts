/**
 * The error lists behind the false-negative inspector: exactly the confusion matrix's FN / FP
 * windows at a threshold, sorted and paged as asked, each FN grouped under the labelled episode
 * it lies over; and a split's episodes are its own rows' (not the whole version's).
 */
import { describe, expect, it } from 'vitest'
import { errorPage, findErrors, type ErrorItemInfo, type ErrorQuery, type ErrorSource } from '../../src-main/core/eval/error-list'
import { splitEpisodes } from '../../src-main/core/eval/split-episodes'
import { ThresholdSweep } from '../../src-main/core/eval/threshold-sweep'
import { generateScenario } from '../../src-main/core/data/scenarios'
import { windowLabels, windowStarts, windowTypes } from '../../src-main/core/data/windows'
import { segmentsOf, type LabelledSeries } from '../../src-main/core/data/series'
import { createRng } from '../../src-main/core/data/rng'

/** The last 40 % of a generated series' 20-row windows, scored with noise that rises inside episodes; a few NaN scores. */
function testSplit(): { series: LabelledSeries; src: ErrorSource; sweep: ThresholdSweep } {
  const series = generateScenario('helios-detection', { days: 4, seed: 9 })
  const length = 20
  const all = windowStarts(series, { length, stride: 1 })
  const starts = all.subarray(Math.floor(all.length * 0.6))
  const labels = windowLabels(series, starts, length, { kind: 'any' })
  const types = windowTypes(series, starts, length)
  const rng = createRng(3)
  const scores = Float32Array.from(labels, (y) => Math.round((y ? 0.45 + 0.3 * rng.uniform() : 0.5 * rng.uniform()) * 60) / 60)
  for (const i of [5, 77, 400]) scores[i] = NaN
  labels[400] = 1
  const episodes = splitEpisodes(series, starts, length)
  const src: ErrorSource = {
    scores,
    labels,
    types,
    typeNames: series.anomalyTypeNames,
    starts,
    windowLength: length,
    timestamps: series.timestamps,
    segmentIds: segmentsOf(series).map((s) => s.id),
    episodes
  }
  return { series, src, sweep: new ThresholdSweep({ scores, labels, types: { codes: types, names: series.anomalyTypeNames }, episodes: episodes.index }) }
}

function everyItem(src: ErrorSource, q: Omit<ErrorQuery, 'offset' | 'limit'>, pageSize: number): { items: ErrorItemInfo[]; total: number } {
  const items: ErrorItemInfo[] = []
  let total: number
  for (let offset = 0; ; offset += pageSize) {
    const page = errorPage(src, { ...q, offset, limit: pageSize })
    total = page.total
    items.push(...page.items)
    if (page.items.length < pageSize) break
  }
  return { items, total }
}

describe('error lists', () => {
  it('list exactly the windows the confusion matrix counts as FN or FP, at every threshold', () => {
    const { src, sweep } = testSplit()
    const distinct = [...new Set(Array.from(src.scores).filter((s) => !Number.isNaN(s)))].sort((a, b) => a - b)
    for (const t of [-Infinity, Infinity, ...distinct, ...distinct.map((d) => d + 1e-4)]) {
      const c = sweep.at(t).confusion
      expect(findErrors(src.scores, src.labels, t, 'fn').length, `t = ${t}`).toBe(c.fn)
      expect(findErrors(src.scores, src.labels, t, 'fp').length, `t = ${t}`).toBe(c.fp)
    }
    const t = 0.45
    const fn = findErrors(src.scores, src.labels, t, 'fn')
    for (const i of fn) expect(src.labels[i] === 1 && !(src.scores[i] >= t)).toBe(true)
    // A labelled window with a NaN score is never flagged: a missed window.
    expect(Array.from(fn)).toContain(400)
  })

  it('pages concatenate to one sorted list; margin sorts nearest to flipping first and NaN scores last', () => {
    const { src } = testSplit()
    const t = 0.6
    const whole = errorPage(src, { threshold: t, kind: 'fn', sort: 'margin', order: 'asc', offset: 0, limit: 100_000 })
    const paged = everyItem(src, { threshold: t, kind: 'fn', sort: 'margin', order: 'asc' }, 7)
    expect(paged.total).toBe(whole.total)
    expect(paged.items).toEqual(whole.items)
    const margins = whole.items.map((it) => it.margin)
    const numeric = margins.filter((m): m is number => m !== null)
    expect(margins.slice(numeric.length).every((m) => m === null)).toBe(true)
    for (let k = 1; k < numeric.length; k++) expect(numeric[k]).toBeGreaterThanOrEqual(numeric[k - 1])
    for (const it of whole.items) if (it.score !== null) expect(it.margin).toBeCloseTo(t - it.score, 6)
    expect(numeric[0]).toBeGreaterThan(0)

    const desc = errorPage(src, { threshold: t, kind: 'fn', sort: 'score', order: 'desc', offset: 0, limit: 100_000 }).items
    const scores = desc.map((it) => it.score).filter((s): s is number => s !== null)
    for (let k = 1; k < scores.length; k++) expect(scores[k]).toBeLessThanOrEqual(scores[k - 1])
    expect(desc[desc.length - 1].score).toBeNull()
  })

  it('sorts by type (named types first, nearest first within a type) and by time', () => {
    const { src } = testSplit()
    const byType = errorPage(src, { threshold: 0.5, kind: 'fn', sort: 'type', order: 'asc', offset: 0, limit: 100_000 }).items
    const names = byType.map((it) => it.type)
    const seen = names.filter((n, k) => k === 0 || n !== names[k - 1])
    expect(new Set(seen).size, 'each type is one contiguous group').toBe(seen.length)
    expect([...seen].filter((n) => n !== null)).toEqual([...seen].filter((n) => n !== null).sort((a, b) => a!.localeCompare(b!)))
    expect(seen.length).toBeGreaterThan(1)

    const byTime = errorPage(src, { threshold: 0.4, kind: 'fp', sort: 'time', order: 'desc', offset: 0, limit: 100_000 }).items
    expect(byTime.length).toBeGreaterThan(10)
    for (let k = 1; k < byTime.length; k++) expect(byTime[k].firstTime).toBeLessThanOrEqual(byTime[k - 1].firstTime)
  })

  it('items lead back to their rows; FN items are grouped under the episode their window lies over, FP items under none', () => {
    const { series, src } = testSplit()
    const t = 0.55
    const { items } = everyItem(src, { threshold: t, kind: 'fn', sort: 'time', order: 'asc' }, 50)
    const page = errorPage(src, { threshold: t, kind: 'fn', sort: 'time', order: 'asc', offset: 0, limit: 100_000 })
    const episodes = new Map(page.episodes.map((e) => [e.id, e]))
    for (const it of items) {
      expect(it.firstRow).toBe(src.starts[it.index])
      expect(it.lastRow - it.firstRow + 1).toBe(src.windowLength)
      expect(it.firstTime).toBe(series.timestamps[it.firstRow])
      if (it.episode === null) continue
      const e = episodes.get(it.episode)!
      // The window's rows meet the episode's rows.
      expect(it.firstRow).toBeLessThanOrEqual(e.lastRow)
      expect(it.lastRow).toBeGreaterThanOrEqual(e.firstRow)
      for (let r = e.firstRow; r <= e.lastRow; r++) expect(series.labels[r]).toBe(1)
    }
    expect(items.every((it) => it.episode !== null)).toBe(true)
    // An episode's error count is the number of listed windows grouped under it, over every page.
    for (const e of page.episodes) expect(e.errors).toBe(items.filter((it) => it.episode === e.id).length)
    // Some episodes are partly caught: flagged and missed windows side by side.
    expect(page.episodes.some((e) => e.caught && e.errors > 0)).toBe(true)
    for (const e of page.episodes) expect(e.caught).toBe(e.flagged > 0)

    const fp = errorPage(src, { threshold: 0.45, kind: 'fp', sort: 'margin', order: 'asc', offset: 0, limit: 100 })
    expect(fp.items.length).toBeGreaterThan(0)
    expect(fp.items.every((it) => it.episode === null && it.label === 0 && it.margin! >= 0)).toBe(true)
    expect(fp.episodes).toEqual([])
  })

  it("a split's episodes are those within its rows: the version's earlier episodes are not counted as missed", () => {
    const { series, src, sweep } = testSplit()
    const ep = src.episodes
    const first = src.starts[0]
    const last = src.starts[src.starts.length - 1] + src.windowLength
    for (let e = 0; e < ep.start.length; e++) expect(ep.end[e] > first && ep.start[e] < last).toBe(true)
    // The version holds more episodes than the split covers, and every split episode has a window.
    const whole = splitEpisodes(series, windowStarts(series, { length: src.windowLength, stride: 1 }), src.windowLength)
    expect(whole.start.length).toBeGreaterThan(ep.start.length)
    expect(sweep.at(-Infinity).events).toMatchObject({ episodes: ep.start.length, caught: ep.start.length, withoutWindow: 0 })
  })

  it('the documented example: rows 2-3 are not a split that starts at row 6', () => {
    const n = 10
    const labels = new Uint8Array(n)
    for (const r of [2, 3, 8]) labels[r] = 1
    const series: LabelledSeries = {
      name: 's',
      intervalMs: 1,
      timestamps: Float64Array.from({ length: n }, (_, i) => i),
      columns: ['a'],
      values: [new Float32Array(n)],
      labels,
      anomalyTypeNames: [],
      anomalyType: new Uint8Array(n)
    }
    const ep = splitEpisodes(series, Int32Array.of(6, 7, 8), 2)
    expect(Array.from(ep.start)).toEqual([8])
    // Windows at rows 7-8 and 8-9 lie over it; the one at 6-7 does not.
    expect(Array.from(ep.windowEpisode)).toEqual([-1, 0, 0])
  })
})

/**
 * The error inspector's pure helpers (src-renderer/src/lib/error-inspector.ts) and the dataset
 * route's row range and run (src-renderer/src/lib/routes.ts) that "open in editor" uses.
 */
import { describe, expect, it } from 'vitest'
import type { ErrorEpisode, ErrorItem } from '../../src-main/contract/api'
import { episodeState, featureOrder, groupByEpisode, heatColor, labelledRuns, relabelEdit, scoreVerdict } from '../../src-renderer/src/lib/error-inspector'
import { parseHash, routeHash } from '../../src-renderer/src/lib/routes'

const item = (index: number, episode: number | null, score = 0.2): ErrorItem => ({
  index,
  score,
  margin: 0.5 - score,
  label: episode == null ? 0 : 1,
  type: episode == null ? null : 'spike',
  firstRow: index,
  lastRow: index + 9,
  firstTime: index * 60_000,
  lastTime: (index + 9) * 60_000,
  segment: 's',
  episode
})
const episode = (id: number, windows: number, flagged: number): ErrorEpisode => ({
  id,
  firstRow: id * 100,
  lastRow: id * 100 + 20,
  firstTime: 0,
  lastTime: 0,
  type: 'spike',
  segment: 's',
  windows,
  flagged,
  errors: windows - flagged,
  caught: flagged > 0,
  delayRows: flagged > 0 ? 3 : null
})

describe('error inspector: grouping by episode', () => {
  it('keeps the sort: groups in the order of their first item, items in page order', () => {
    const items = [item(40, 2, 0.49), item(7, 1, 0.45), item(41, 2, 0.3), item(9, null), item(8, 1, 0.1)]
    const groups = groupByEpisode(items, [episode(1, 5, 0), episode(2, 8, 3)])
    expect(groups.map((g) => g.key)).toEqual(['e2', 'e1', 'none'])
    expect(groups.map((g) => g.items.map((x) => x.index))).toEqual([[40, 41], [7, 8], [9]])
    expect(groups[0]!.episode?.flagged).toBe(3)
    expect(groups[2]!.episode).toBeNull()
  })

  it('says whether an episode was missed entirely or partly caught', () => {
    expect(episodeState(episode(1, 10, 0))).toEqual({ tone: 'missed', text: 'missed: none of its 10 windows flagged' })
    expect(episodeState(episode(1, 10, 3))).toEqual({ tone: 'partial', text: 'partly caught: 3 of 10 windows flagged, first flag 3 rows in' })
    expect(episodeState(episode(1, 4, 4)).tone).toBe('caught')
    expect(episodeState({ windows: 0, flagged: 0, caught: false, delayRows: null }).text).toBe('missed: no window lies over it')
  })
})

describe('error inspector: relabel', () => {
  it('relabels every row of the window, end exclusive', () => {
    expect(relabelEdit({ firstRow: 100, lastRow: 159 }, { label: 0 })).toEqual({ edit: { start: 100, end: 160, label: 0 }, what: 'rows 100–159 marked normal' })
    expect(relabelEdit({ firstRow: 5, lastRow: 5 }, { label: 1, type: ' drift ' })).toEqual({ edit: { start: 5, end: 6, label: 1, type: 'drift' }, what: 'rows 5–5 marked anomalous (drift)' })
    expect(() => relabelEdit({ firstRow: 5, lastRow: 5 }, { label: 1, type: '  ' })).toThrow(/name the anomaly type/)
  })
})

describe('error inspector: what the window charts draw', () => {
  it('finds the labelled runs of the rows shown', () => {
    expect(labelledRuns(Uint8Array.of(0, 1, 1, 0, 1))).toEqual([
      [1, 3],
      [4, 5]
    ])
    expect(labelledRuns(Uint8Array.of(1, 1))).toEqual([[0, 2]])
    expect(labelledRuns(Uint8Array.of())).toEqual([])
  })

  it('orders features by contribution, unnamed ones after in column order', () => {
    expect(featureOrder(['a', 'b', 'c', 'd'], ['c', 'a', 'zz'])).toEqual(['c', 'a', 'b', 'd'])
    expect(featureOrder(['a', 'b'], null)).toEqual(['a', 'b'])
  })

  it('says where the score stands against the threshold', () => {
    expect(scoreVerdict(0.41, 0.53)).toBe('0.12 below the threshold: not flagged')
    expect(scoreVerdict(0.53, 0.53)).toBe('0 above the threshold: flagged')
    expect(scoreVerdict(null, 0.5)).toBe('no score (NaN): never flagged')
  })

  it('colours heat cells from white to red, negatives blue', () => {
    expect(heatColor(0, 1)).toBe('rgb(255, 255, 255)')
    expect(heatColor(1, 1)).toBe('rgb(192, 38, 45)')
    expect(heatColor(-2, 1)).toBe('rgb(37, 99, 201)')
    expect(heatColor(1, 0)).toBe('rgb(255, 255, 255)')
  })
})

describe('dataset route with rows and a run', () => {
  it('round-trips the row range and the run to overlay', () => {
    const r = parseHash('#/datasets/3f2a9c0d?rows=100-160&run=12')
    expect(r).toEqual({ name: 'dataset', id: '3f2a9c0d', rows: { from: 100, to: 160 }, run: 12 })
    expect(routeHash(r)).toBe('#/datasets/3f2a9c0d?rows=100-160&run=12')
    expect(routeHash({ name: 'dataset', id: 'abcd' })).toBe('#/datasets/abcd')
  })

  it('leaves out a malformed query and still opens the version', () => {
    expect(parseHash('#/datasets/3f2a9c0d?rows=160-100&run=x')).toEqual({ name: 'dataset', id: '3f2a9c0d' })
    expect(parseHash('#/datasets/3f2a9c0d?')).toEqual({ name: 'dataset', id: '3f2a9c0d' })
  })
})

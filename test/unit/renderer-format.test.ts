import { describe, expect, it } from 'vitest'
import {
  compactParams,
  compareRunsNewestFirst,
  confusionGrid,
  formatCount,
  formatDateTime,
  formatDuration,
  formatEta,
  formatMetricValue,
  formatPercent,
  formatRelative,
  formatShortNumber,
  formatTime,
  isActive,
  plural,
  countOf,
  singular,
  shortHash,
  targetsBadge,
  truncate,
  upsertRun
} from '../../src-renderer/src/lib/format'
import { parseHash, routeHash } from '../../src-renderer/src/lib/routes'

describe('renderer format helpers', () => {
  it('formats fractions as percentages', () => {
    expect(formatPercent(0.9531)).toBe('95.3%')
    expect(formatPercent(0.9531, 2)).toBe('95.31%')
    expect(formatPercent(1)).toBe('100.0%')
    expect(formatPercent(null)).toBe('—')
    expect(formatPercent(Number.NaN)).toBe('—')
  })

  it('formats counts with thousands separators', () => {
    expect(formatCount(0)).toBe('0')
    expect(formatCount(999)).toBe('999')
    expect(formatCount(1234567)).toBe('1,234,567')
    expect(formatCount(-4032)).toBe('-4,032')
    expect(formatCount(undefined)).toBe('—')
  })

  it('formats durations compactly', () => {
    expect(formatDuration(850)).toBe('850 ms')
    expect(formatDuration(4200)).toBe('4.20 s')
    expect(formatDuration(12_300)).toBe('12.3 s')
    expect(formatDuration(125_000)).toBe('2m 05s')
    expect(formatDuration(3_725_000)).toBe('1h 02m')
    expect(formatDuration(3 * 86_400_000 + 3_600_000)).toBe('3d 1h')
    expect(formatDuration(null)).toBe('—')
    expect(formatDuration(-5)).toBe('—')
  })

  it('formats ETAs', () => {
    expect(formatEta(null)).toBe('ETA unknown')
    expect(formatEta(900)).toBe('almost done')
    expect(formatEta(40_000)).toBe('about 40 s left')
    expect(formatEta(300_000)).toBe('about 5 min left')
    expect(formatEta(301_000)).toBe('about 6 min left')
    expect(formatEta(2 * 3_600_000 + 10 * 60_000)).toBe('about 2 h 10 min left')
    expect(formatEta(3_600_000)).toBe('about 1 h left')
  })

  it('formats timestamps as local YYYY-MM-DD HH:MM', () => {
    const d = new Date(2025, 2, 4, 5, 6, 7)
    expect(formatDateTime(d.toISOString())).toBe('2025-03-04 05:06')
    expect(formatDateTime(null)).toBe('—')
    expect(formatDateTime('not a date')).toBe('not a date')
    expect(formatTime(d.toISOString())).toBe('05:06:07')
  })

  it('formats relative times', () => {
    const now = Date.parse('2025-01-01T12:00:00Z')
    expect(formatRelative('2025-01-01T11:59:50Z', now)).toBe('just now')
    expect(formatRelative('2025-01-01T11:55:00Z', now)).toBe('5 min ago')
    expect(formatRelative('2025-01-01T09:00:00Z', now)).toBe('3 h ago')
    expect(formatRelative('2024-12-01T09:00:00Z', now)).toBe(formatDateTime('2024-12-01T09:00:00Z'))
  })

  it('formats metric values by their unit', () => {
    expect(formatMetricValue('precision', 0.953)).toBe('95.3%')
    expect(formatMetricValue('fpr', 0.0213, 2)).toBe('2.13%')
    expect(formatMetricValue('rocAuc', 0.97123)).toBe('0.971')
    expect(formatMetricValue('averagePrecision', 0.9)).toBe('0.900')
    expect(formatMetricValue('inferenceMs', 12.345)).toBe('12.35 ms')
    expect(formatMetricValue('onnxMb', 1.5)).toBe('1.5 MB')
    expect(formatMetricValue('whatever', 42)).toBe('42')
    expect(formatMetricValue('recall', null)).toBe('—')
  })

  it('shortens numbers', () => {
    expect(formatShortNumber(0.000123456)).toBe('0.0001235')
    expect(formatShortNumber(1234.5678)).toBe('1234.6')
    expect(formatShortNumber(0.42131)).toBe('0.4213')
    expect(formatShortNumber(200)).toBe('200')
    expect(formatShortNumber(1e-9)).toBe('1.00e-9')
  })

  it('summarises targets as a badge', () => {
    expect(targetsBadge([])).toEqual({ label: '—', tone: 'none' })
    expect(targetsBadge([{ met: true }, { met: true }, { met: true }])).toEqual({ label: '3/3 met', tone: 'good' })
    expect(targetsBadge([{ met: true }, { met: false }, { met: false }])).toEqual({ label: '1/3 met', tone: 'bad' })
  })

  it('prints params compactly', () => {
    expect(compactParams({ nEstimators: 200, contamination: 0.05 })).toBe('nEstimators=200 · contamination=0.05')
    expect(compactParams({ units: [128, 64], name: 'x'.repeat(40) }, 10)).toBe('units=[128,64] · name=xxxxxxxxx…')
    expect(compactParams({})).toBe('')
  })

  it('truncates and shortens hashes', () => {
    expect(truncate('abcdef', 4)).toBe('abc…')
    expect(truncate('abc', 4)).toBe('abc')
    expect(shortHash('sha256:9f3c2a71d0b84e55')).toBe('9f3c2a71')
    expect(shortHash('abcdef')).toBe('abcdef')
  })

  it('counts with the plural a table names its rows by, singular for one', () => {
    expect(countOf(1, 'searches')).toBe('1 search')
    expect(countOf(2, 'searches')).toBe('2 searches')
    expect(countOf(1, 'runs')).toBe('1 run')
    expect(countOf(0, 'trials')).toBe('0 trials')
    expect(countOf(1, 'boxes')).toBe('1 box')
    expect(countOf(1, 'params')).toBe('1 param')
    expect(singular('classes')).toBe('class')
  })

  it('pluralises', () => {
    expect(plural(1, 'line')).toBe('1 line')
    expect(plural(0, 'run')).toBe('0 runs')
    expect(plural(1200, 'run')).toBe('1,200 runs')
  })

  it('sorts runs newest first and upserts by id', () => {
    const a = { id: 1, createdAt: '2025-01-01T00:00:00Z', v: 'a' }
    const b = { id: 2, createdAt: '2025-01-02T00:00:00Z', v: 'b' }
    const c = { id: 3, createdAt: '2025-01-02T00:00:00Z', v: 'c' }
    expect([a, b, c].sort(compareRunsNewestFirst).map((r) => r.id)).toEqual([3, 2, 1])
    const list = upsertRun([b, a], c)
    expect(list.map((r) => r.id)).toEqual([3, 2, 1])
    const updated = upsertRun(list, { ...a, v: 'a2' })
    expect(updated.map((r) => r.id)).toEqual([3, 2, 1])
    expect(updated.find((r) => r.id === 1)?.v).toBe('a2')
    expect(list.find((r) => r.id === 1)?.v).toBe('a') // input untouched
  })

  it('knows which statuses are active', () => {
    expect(isActive('queued')).toBe(true)
    expect(isActive('running')).toBe(true)
    expect(isActive('done')).toBe(false)
    expect(isActive('interrupted')).toBe(false)
  })

  it('lays out the confusion matrix with row shares', () => {
    const g = confusionGrid({ tn: 90, fp: 10, fn: 1, tp: 9 })
    expect(g.map((row) => row.map((c) => c.key))).toEqual([
      ['tn', 'fp'],
      ['fn', 'tp']
    ])
    expect(g[0]![0]!.rowShare).toBeCloseTo(0.9)
    expect(g[1]![1]).toEqual({ key: 'tp', count: 9, rowShare: 0.9 })
    expect(confusionGrid({ tn: 5, fp: 0, fn: 0, tp: 0 })[1]![0]!.rowShare).toBeNull()
  })
})

describe('renderer hash routes', () => {
  it('parses hashes', () => {
    expect(parseHash('')).toEqual({ name: 'runs' })
    expect(parseHash('#/')).toEqual({ name: 'runs' })
    expect(parseHash('#/runs')).toEqual({ name: 'runs' })
    expect(parseHash('#/runs/')).toEqual({ name: 'runs' })
    expect(parseHash('#/runs/12')).toEqual({ name: 'run', id: 12 })
    expect(parseHash('#/experiments')).toEqual({ name: 'experiments' })
    expect(parseHash('#/runs/abc')).toEqual({ name: 'not-found', path: '/runs/abc' })
    expect(parseHash('#/nope')).toEqual({ name: 'not-found', path: '/nope' })
  })

  it('prints routes back', () => {
    expect(routeHash({ name: 'run', id: 3 })).toBe('#/runs/3')
    expect(routeHash({ name: 'runs' })).toBe('#/runs')
    expect(routeHash({ name: 'experiments' })).toBe('#/experiments')
    for (const h of ['#/runs', '#/runs/7', '#/experiments']) expect(routeHash(parseHash(h))).toBe(h)
  })
})

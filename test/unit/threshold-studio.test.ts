/**
 * The threshold studio's pure helpers (src-renderer/src/lib/threshold-studio.ts) over a real
 * ThresholdSweep: slider positions are the split's distinct scores, and a position flags exactly
 * what its threshold flags.
 */
import { describe, expect, it } from 'vitest'
import { ThresholdSweep } from '../../src-main/core/eval/threshold-sweep'
import {
  ascendingScores,
  formatDeltaPoints,
  formatThreshold,
  parseThreshold,
  positionOf,
  sliderStep,
  thresholdAt,
  trackMarks,
  typeRecallRows
} from '../../src-renderer/src/lib/threshold-studio'

const scores = Float32Array.of(0.9, 0.1, 0.5, 0.5, 0.3, NaN, 0.7)
const labels = Uint8Array.of(1, 0, 1, 0, 0, 1, 1)
const sweep = new ThresholdSweep({ scores, labels, types: { codes: Uint8Array.of(1, 0, 2, 0, 0, 1, 1), names: ['spike', 'drift', 'gap'] } })

describe('threshold studio: slider positions', () => {
  it('lists the distinct scores ascending, NaN left out', () => {
    expect(Array.from(ascendingScores(sweep))).toEqual([0.1, 0.3, 0.5, 0.7, 0.9].map((v) => Math.fround(v)))
  })

  it('maps a threshold to the position that flags the same windows', () => {
    const asc = ascendingScores(sweep)
    // Scores are float32: the stored 0.9 is fround(0.9), a hair below the double 0.9.
    for (const t of [0.05, 0.1, 0.2, 0.3, 0.45, 0.5, 0.69, Math.fround(0.7), 0.8, Math.fround(0.9)]) {
      const p = positionOf(asc, t)
      // Flagging >= asc[p] flags what >= t flags (any t up to the top score).
      expect(sweep.at(thresholdAt(asc, p)).confusion).toEqual(sweep.at(t).confusion)
    }
  })

  it('clamps: past the top score the slider stands at the last position', () => {
    const asc = ascendingScores(sweep)
    expect(positionOf(asc, 5)).toBe(asc.length - 1)
    expect(positionOf(asc, 0.9)).toBe(asc.length - 1)
    expect(positionOf(asc, -5)).toBe(0)
    expect(thresholdAt(asc, 99)).toBe(asc[asc.length - 1])
    expect(thresholdAt(asc, -3)).toBe(asc[0])
    expect(thresholdAt(new Float64Array(0), 0)).toBeNaN()
  })

  it('moves by 0.1 % of the scores per arrow, one with Shift, 5 % per page key', () => {
    expect(sliderStep('ArrowRight', false, 600_000)).toBe(600)
    expect(sliderStep('ArrowDown', false, 600_000)).toBe(-600)
    expect(sliderStep('ArrowLeft', true, 600_000)).toBe(-1)
    expect(sliderStep('PageUp', false, 600_000)).toBe(30_000)
    expect(sliderStep('ArrowUp', false, 10)).toBe(1)
    expect(sliderStep('Enter', false, 10)).toBeNull()
  })
})

describe('threshold studio: typed values and words', () => {
  it('parses a typed threshold or says why not', () => {
    expect(parseThreshold(' 0.42 ')).toEqual({ ok: true, value: 0.42 })
    expect(parseThreshold('1e-3')).toEqual({ ok: true, value: 0.001 })
    expect(parseThreshold('abc')).toEqual({ ok: false, error: 'not a number: abc' })
    expect(parseThreshold('')).toEqual({ ok: false, error: 'type a threshold' })
    expect(parseThreshold('Infinity')).toMatchObject({ ok: false })
  })

  it('prints thresholds with enough digits to tell close scores apart', () => {
    expect(formatThreshold(0.999912345)).toBe('0.99991')
    expect(formatThreshold(12.5)).toBe('12.5')
    expect(formatThreshold(0.000012345)).toBe('1.2345e-5')
    expect(formatThreshold(0.00001)).toBe('1e-5')
    expect(formatThreshold(0)).toBe('0')
    expect(formatThreshold(null)).toBe('—')
    expect(formatThreshold(Infinity)).toBe('∞')
  })

  it('reads a metric change in percentage points', () => {
    expect(formatDeltaPoints(0.91, 0.88)).toBe('+3.0 pp')
    expect(formatDeltaPoints(0.5, 0.62)).toBe('−12.0 pp')
    expect(formatDeltaPoints(0.5, 0.5)).toBe('±0.0 pp')
  })

  it('marks trained, saved and picked thresholds once each', () => {
    expect(trackMarks(0.5, null, null)).toEqual([{ label: 'trained', value: 0.5, tone: 'trained' }])
    expect(trackMarks(0.5, 0.5, 0.5).map((m) => m.tone)).toEqual(['trained'])
    expect(trackMarks(0.5, 0.7, 0.6).map((m) => [m.tone, m.value])).toEqual([
      ['trained', 0.5],
      ['chosen', 0.7],
      ['pick', 0.6]
    ])
    expect(trackMarks(null, null, null)).toEqual([])
  })
})

describe('threshold studio: recall per anomaly type', () => {
  it('lists every type of the data, n/a for a type with no window in the split, lowest recall first', () => {
    const at = sweep.at(0.6)
    // spike: windows 0 (0.9), 5 (NaN), 6 (0.7) -> 2 of 3; drift: window 2 (0.5) -> 0 of 1; gap: none.
    const rows = typeRecallRows(at.perType, ['spike', 'drift', 'gap'])
    expect(rows).toEqual([
      { type: 'drift', recall: 0, detected: 0, total: 1 },
      { type: 'spike', recall: 2 / 3, detected: 2, total: 3 },
      { type: 'gap', recall: null, detected: 0, total: 0 }
    ])
  })
})

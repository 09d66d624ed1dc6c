import { describe, expect, it } from 'vitest'
import { ThresholdSweep } from '../../src-main/core/eval/threshold-sweep'
import { pickAndReport, pickThreshold } from '../../src-main/core/eval/threshold-pick'
import { bestThreshold } from '../../src-main/core/eval/horizon-targets'
import { checkTargets } from '../../src-main/core/eval/targets'
import { createRng } from '../../src-main/core/data/rng'

function split(n: number, seed: number, shift: number): { scores: Float32Array; labels: Uint8Array } {
  const rng = createRng(seed)
  const scores = new Float32Array(n)
  const labels = new Uint8Array(n)
  for (let i = 0; i < n; i++) {
    labels[i] = rng.uniform() < 0.1 ? 1 : 0
    scores[i] = Math.round((rng.normal() + (labels[i] ? shift : 0)) * 20) / 20
  }
  return { scores, labels }
}

/** Every threshold that can change the flags: each distinct score, and one above the highest. */
function allThresholds(scores: Float32Array): number[] {
  const d = [...new Set(scores)].sort((a, b) => b - a)
  return [d[0] + 1, ...d]
}

describe('pick threshold on validation', () => {
  it('meets every target with the best objective among the thresholds that do (brute force over every threshold)', () => {
    const v = split(4000, 1, 2.5)
    const sweep = new ThresholdSweep(v)
    const targets = ['precision >= 80%', 'fpr <= 0.03']
    const pick = pickThreshold(sweep, { targets, objective: { metric: 'recall', direction: 'maximize' } })
    let best = -Infinity
    let meeting = 0
    for (const t of allThresholds(v.scores)) {
      const r = sweep.at(t)
      if (checkTargets(r, targets).every((c) => c.met)) {
        meeting++
        best = Math.max(best, r.recall)
      }
    }
    expect(meeting).toBeGreaterThan(0)
    expect(pick.rule).toBe('targets')
    expect(pick.meetingTargets).toBe(meeting)
    expect(pick.candidates).toBe(sweep.cuts)
    expect(pick.validation.recall).toBe(best)
    expect(pick.objective).toEqual({ metric: 'recall', direction: 'maximize', value: best })
    expect(pick.validationTargets.every((c) => c.met)).toBe(true)
    expect(pick.validation).toEqual(sweep.at(pick.threshold))
  })

  it('falls back to the best objective when no threshold meets the targets, agreeing with bestThreshold on F1', () => {
    const v = split(3000, 2, 1.5)
    const sweep = new ThresholdSweep(v)
    const pick = pickThreshold(sweep, { targets: ['precision >= 99%', 'recall >= 99%'], objective: { metric: 'f1_score', direction: 'maximize' } })
    expect(pick.rule).toBe('objective')
    expect(pick.meetingTargets).toBe(0)
    expect(pick.objective.metric).toBe('f1')
    const f1s = allThresholds(v.scores).map((t) => sweep.at(t).f1)
    expect(pick.validation.f1).toBe(Math.max(...f1s))
    // horizon-targets' one-shot search picks the same cut (both state it as a midpoint).
    expect(pick.threshold).toBeCloseTo(bestThreshold(v.scores, v.labels, 'f1'), 6)
    expect(pick.validationTargets.some((c) => !c.met)).toBe(true)
  })

  it('states the cut strictly between two validation scores, so those scores fall on the side the validation data put them', () => {
    const scores = Float32Array.of(0.1, 0.2, 0.3, 0.4, 0.5, 0.6)
    const labels = Uint8Array.of(0, 0, 0, 1, 1, 1)
    const pick = pickThreshold(new ThresholdSweep({ scores, labels }), { targets: [], objective: { metric: 'f1', direction: 'maximize' } })
    expect(pick.rule).toBe('objective')
    expect(pick.validation.confusion).toEqual({ tn: 3, fp: 0, fn: 0, tp: 3 })
    expect(pick.threshold).toBeGreaterThan(Math.fround(0.3))
    expect(pick.threshold).toBeLessThan(Math.fround(0.4))
  })

  it('can choose to flag nothing, with a threshold above every score', () => {
    const scores = Float32Array.of(0.1, 0.9, 0.5)
    const labels = Uint8Array.of(0, 0, 1)
    const pick = pickThreshold(new ThresholdSweep({ scores, labels }), { targets: [], objective: { metric: 'fpr', direction: 'minimize' } })
    expect(pick.validation.flagged).toBe(0)
    expect(pick.threshold).toBeGreaterThan(Math.fround(0.9))
  })

  it('chooses on validation and reports test at that threshold, not at the threshold test would have chosen', () => {
    const validation = new ThresholdSweep(split(3000, 3, 2))
    // The test split's anomalies score higher: its own best-F1 threshold lies elsewhere.
    const testData = split(3000, 4, 3.5)
    const test = new ThresholdSweep(testData)
    const opts = { targets: ['recall >= 0.8'], objective: { metric: 'precision', direction: 'maximize' as const } }
    const out = pickAndReport(validation, test, opts)
    expect(out.pick).toEqual(pickThreshold(validation, opts))
    expect(out.test).toEqual(test.at(out.pick.threshold))
    expect(out.testTargets).toEqual(checkTargets(out.test, opts.targets))
    const chosenOnTest = pickThreshold(test, opts)
    expect(chosenOnTest.threshold).not.toBe(out.pick.threshold)
  })

  it('refuses an unknown objective, a malformed target and an unscored split, naming what is wrong', () => {
    const sweep = new ThresholdSweep(split(100, 5, 2))
    expect(() => pickThreshold(sweep, { targets: [], objective: { metric: 'loss', direction: 'minimize' } })).toThrow(/objective: unknown metric 'loss'/)
    expect(() => pickThreshold(sweep, { targets: [], objective: { metric: 'accuracy_6m', direction: 'maximize' } })).toThrow(/'accuracy_6m' is not a metric of one score per window/)
    expect(() => pickThreshold(sweep, { targets: ['precision >> 3'], objective: { metric: 'f1', direction: 'maximize' } })).toThrow(/malformed target 'precision >> 3'/)
    const empty = new ThresholdSweep({ scores: Float32Array.of(NaN), labels: Uint8Array.of(1) })
    expect(() => pickThreshold(empty, { targets: [], objective: { metric: 'f1', direction: 'maximize' } })).toThrow(/no scored window/)
  })
})

import { describe, expect, it } from 'vitest'
import { CancelledError } from '../../src-main/core/cancelled'
import { generateHeliosDetection, HELIOS_ANOMALY_TYPES } from '../../src-main/core/data/helios-detection'
import { runIForestTrial, type TrialProgress } from '../../src-main/core/models/iforest-trial'

describe('runIForestTrial', () => {
  const train = generateHeliosDetection({ days: 7, seed: 1 })
  const test = generateHeliosDetection({ days: 3, seed: 2 })

  it('runs the seed-002 trial end to end', () => {
    const progress: TrialProgress[] = []
    const r = runIForestTrial({
      train,
      test,
      params: { nEstimators: 100, maxSamples: 256, contamination: 0.05, seed: 42 },
      onProgress: (p) => progress.push(p)
    })
    expect(r.params).toMatchObject({ nEstimators: 100, maxSamples: 256, contamination: 0.05, maxFeatures: 1 })
    expect(r.featureNames).toEqual(train.columns)
    expect(r.trainScores.length).toBe(2016)
    expect(r.testScores.length).toBe(864)
    expect(r.threshold).toBe(r.model.threshold)
    expect(r.scaler.mean.length).toBe(12)
    // contamination 0.05 flags ~5 % of the training rows
    const flagged = r.train.confusion.tp + r.train.confusion.fp
    expect(flagged / 2016).toBeGreaterThan(0.045)
    expect(flagged / 2016).toBeLessThan(0.055)
    // the data carries real signal for an unsupervised forest
    expect(r.test.rocAuc).toBeGreaterThan(0.95)
    expect(r.test.recall).toBeGreaterThan(0.6)
    expect(r.test.support.anomalous + r.test.support.normal).toBe(864)
    expect(Object.keys(r.recallByType)).toEqual(HELIOS_ANOMALY_TYPES)
    expect(r.histogram.normal.length).toBe(40)
    expect(r.rocCurve.fpr.at(-1)).toBe(1)
    expect(r.timings.fitMs).toBeGreaterThan(0)
    // progress covers every stage in order and ends at 1
    const stages = [...new Set(progress.map((p) => p.stage))]
    expect(stages).toEqual(['scaling', 'fitting', 'scoring', 'evaluating'])
    for (let k = 1; k < progress.length; k++) expect(progress[k].fraction).toBeGreaterThanOrEqual(progress[k - 1].fraction)
    expect(progress.at(-1)?.fraction).toBe(1)
  })

  it('is deterministic for the forest seed', () => {
    const params = { nEstimators: 20, contamination: 0.05, seed: 1 }
    const a = runIForestTrial({ train, test, params })
    const b = runIForestTrial({ train, test, params })
    expect(a.testScores).toEqual(b.testScores)
  })

  it('throws CancelledError when asked to stop', () => {
    let n = 0
    let err: unknown
    try {
      runIForestTrial({ train, test, params: {}, shouldStop: () => ++n > 10 })
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(CancelledError)
  })

  it('rejects bad params and mismatched columns clearly', () => {
    expect(() => runIForestTrial({ train, test, params: { contamination: 2 } })).toThrow(/contamination/)
    const other = { ...test, columns: [...test.columns.slice(1), 'x'] }
    expect(() => runIForestTrial({ train, test: other, params: {} })).toThrow(/columns differ/)
  })
})

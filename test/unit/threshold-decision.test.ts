/**
 * What a pick uses for one run (targets on the stored scores' horizon, an objective that depends
 * on the threshold), how it is said, and a bundle's view of a run at its chosen threshold.
 */
import { describe, expect, it } from 'vitest'
import { planPick, pickBasis } from '../../src-main/core/eval/threshold-decision'
import { pickThreshold } from '../../src-main/core/eval/threshold-pick'
import { ThresholdSweep } from '../../src-main/core/eval/threshold-sweep'
import { parseTarget } from '../../src-main/core/eval/targets'
import { runAtChosenThreshold, type ExportableRun } from '../../src-main/core/export/build-bundle'

describe('planning a pick', () => {
  it('reads targets on the first horizon as targets on the stored scores and leaves the other horizons out, saying so', () => {
    const plan = planPick({
      rule: 'targets',
      targets: ['accuracy_6m >= 0.88', 'accuracy_12m >= 0.85', 'precision >= 50%'].map(parseTarget),
      objective: { metric: 'rocAuc', direction: 'maximize' },
      horizons: ['risk_6m', 'risk_9m', 'risk_12m']
    })
    expect(plan.options.targets).toEqual([
      { metric: 'accuracy', op: '>=', value: 0.88, text: 'accuracy_6m >= 0.88' },
      { metric: 'precision', op: '>=', value: 0.5, text: 'precision >= 50%' }
    ])
    // ROC AUC is the same at every threshold: it cannot choose one.
    expect(plan.options.objective).toEqual({ metric: 'f1', direction: 'maximize' })
    expect(plan.notes.join('; ')).toMatch(/accuracy_12m >= 0\.85.*left out.*rocAuc does not depend on the threshold/)
  })

  it('rule objective ignores the targets; a threshold-dependent objective is kept as it is', () => {
    const plan = planPick({ rule: 'objective', targets: [parseTarget('recall >= 0.9')], objective: { metric: 'precision', direction: 'maximize' } })
    expect(plan).toEqual({ options: { targets: [], objective: { metric: 'precision', direction: 'maximize' } }, notes: [] })
  })

  it('says whether the targets decided, or the objective because no threshold met them', () => {
    const scores = Float32Array.of(0.1, 0.2, 0.3, 0.6, 0.7, 0.9)
    const labels = Uint8Array.of(0, 0, 1, 0, 1, 1)
    const sweep = new ThresholdSweep({ scores, labels })
    const met = planPick({ rule: 'targets', targets: [parseTarget('recall >= 0.6')], objective: { metric: 'f1', direction: 'maximize' } })
    expect(pickBasis('targets', pickThreshold(sweep, met.options), met)).toMatch(/^chosen on validation: meets every target \(recall >= 0\.6\), highest f1 \(0\.\d{4}\) among the \d+ of 7 thresholds that do$/)
    const unmet = planPick({ rule: 'targets', targets: [parseTarget('precision >= 1'), parseTarget('recall >= 1')], objective: { metric: 'f1', direction: 'maximize' } })
    expect(pickBasis('targets', pickThreshold(sweep, unmet.options), unmet)).toMatch(/^chosen on validation: no threshold meets every target \(precision >= 1, recall >= 1\), so the highest f1/)
  })
})

describe('a run at its chosen threshold (what a bundle carries)', () => {
  const run: ExportableRun = {
    id: 1,
    experimentName: 'e',
    modelKind: 'lstm-attention',
    params: { horizons: ['risk_6m', 'risk_12m'] },
    metrics: { accuracy: 0.9, precision: 0.5, recall: 0.5, f1: 0.5, fpr: 0.05, specificity: 0.95, fnr: 0.5, rocAuc: 0.8, averagePrecision: 0.4, balancedAccuracy: 0.7, accuracy_6m: 0.9, accuracy_12m: 0.8 },
    trainMetrics: null,
    confusion: { tn: 95, fp: 5, fn: 5, tp: 5 },
    targets: [{ text: 'accuracy_6m >= 0.88', actual: 0.9, met: true }],
    threshold: 0.5,
    backend: null,
    workbenchVersion: 'x',
    model: {},
    thresholdChoice: {
      trained: 0.5,
      chosen: 0.3,
      source: 'manual',
      basis: 'set by hand',
      note: null,
      decidedAt: '2025-01-01T00:00:00.000Z',
      validation: null,
      test: { confusion: { tn: 80, fp: 20, fn: 1, tp: 9 }, accuracy: 0.8, precision: 0.31, recall: 0.9, f1: 0.46, fpr: 0.2, specificity: 0.8, fnr: 0.1, balancedAccuracy: 0.85 }
    }
  }

  it('takes the chosen threshold, its test metrics and confusion matrix, and checks the targets again', () => {
    const at = runAtChosenThreshold(run)
    expect(at.threshold).toBe(0.3)
    expect(at.confusion).toEqual({ tn: 80, fp: 20, fn: 1, tp: 9 })
    // Threshold-free metrics and the other horizon stay; the first horizon's keys move with it.
    expect(at.metrics).toMatchObject({ precision: 0.31, recall: 0.9, accuracy_6m: 0.8, accuracy_12m: 0.8, rocAuc: 0.8 })
    expect(at.targets).toEqual([{ text: 'accuracy_6m >= 0.88', actual: 0.8, met: false }])
    expect(runAtChosenThreshold({ ...run, thresholdChoice: null })).toEqual({ ...run, thresholdChoice: null })
  })
})

/**
 * Seed 004 end to end on a tiny panel: 300 businesses, a small model, 2-fold CV. It must learn
 * something (6-month AUC > 0.7 on unseen businesses) in well under a minute, and report every
 * per-horizon key, the CV summary and the MC-dropout spread.
 */
import { describe, it, expect, beforeAll } from 'vitest'
import { generateBusinessRisk } from '../../src-main/core/data/business-risk'
import { splitSeries } from '../../src-main/core/data/splits'
import type { ExperimentSpec } from '../../src-main/core/search/spec'
import { initTfjs } from '../../src-main/core/models/deep/tfjs-runtime'
import { lstmAttentionTrainer, panelWindows, entityFolds, lstmAttentionParamsSchema } from '../../src-main/core/models/deep/lstm-attention-trainer'
import { bestThreshold } from '../../src-main/core/eval/horizon-targets'
import { parseTarget, checkTargets } from '../../src-main/core/eval/targets'

beforeAll(async () => {
  await initTfjs({ prefer: 'wasm' })
})

describe('per-horizon targets', () => {
  it('parse accuracy_6m, balanced accuracy and aliases; plain targets still parse', () => {
    expect(parseTarget('accuracy_6m >= 0.88')).toMatchObject({ metric: 'accuracy_6m', op: '>=', value: 0.88 })
    expect(parseTarget('balanced_accuracy_12m >= 85%')).toMatchObject({ metric: 'balancedAccuracy_12m', value: 0.85 })
    expect(parseTarget('roc_auc_9m > 0.9')).toMatchObject({ metric: 'rocAuc_9m', op: '>' })
    expect(parseTarget('precision >= 95.3%')).toMatchObject({ metric: 'precision', value: 0.953 })
    expect(() => parseTarget('nonsense_6m >= 0.5')).toThrow(/unknown metric/)
    expect(() => parseTarget('accuracy_6m >= 88')).toThrow(/fraction/)
    const c = checkTargets({ accuracy_6m: 0.9, accuracy_9m: 0.8 }, ['accuracy_6m >= 0.88', 'accuracy_9m >= 0.86', 'accuracy_12m >= 0.85'])
    expect(c.map((t) => t.met)).toEqual([true, false, false])
    expect(c[2].actual).toBeNull()
  })

  it('bestThreshold maximises balanced accuracy', () => {
    const scores = Float32Array.from([0.1, 0.2, 0.3, 0.4, 0.35, 0.9])
    const labels = Uint8Array.from([0, 0, 0, 0, 1, 1])
    const t = bestThreshold(scores, labels, 'balancedAccuracy')
    // Flagging {0.9, 0.4, 0.35} catches both positives with one false alarm: (1 + 3/4) / 2.
    expect(t).toBeGreaterThan(0.3)
    expect(t).toBeLessThan(0.35)
  })

  it('params schema has the seed defaults and is strict', () => {
    const p = lstmAttentionParamsSchema.parse({})
    expect(p).toMatchObject({ window: 12, lstmUnits: [128, 128], heads: 4, keyDim: 32, dropout: 0.3, batchSize: 64, learningRate: 1e-3, patience: 15, clipNorm: 1, folds: 5, mcSamples: 30 })
    expect(p.horizons).toEqual(['risk_6m', 'risk_9m', 'risk_12m'])
    expect(lstmAttentionParamsSchema.safeParse({ lstmUnit: [1] }).success).toBe(false)
  })
})

describe('panel windows', () => {
  it('end at every row with a full window inside one business, labelled at the last row', () => {
    const s = generateBusinessRisk({ businesses: 4, months: 20, seed: 3 })
    const w = panelWindows(s, s.values, ['risk_6m', 'risk_12m'], 12, 1)
    expect(w.starts.length).toBe(4 * 9)
    for (let i = 0; i < w.starts.length; i++) {
      const seg = s.segments![w.segment[i]]
      expect(w.starts[i]).toBeGreaterThanOrEqual(seg.start)
      expect(w.starts[i] + 12).toBeLessThanOrEqual(seg.end)
      expect(w.y[i * 2]).toBe(s.targets!.risk_6m[w.starts[i] + 11])
      expect(w.y[i * 2 + 1]).toBe(s.targets!.risk_12m[w.starts[i] + 11])
    }
    // Stride 4 keeps the last window of each business.
    const w4 = panelWindows(s, s.values, ['risk_6m'], 12, 4)
    for (const seg of s.segments!) expect(Array.from(w4.starts)).toContain(seg.end - 12)
  })

  it('entity folds are balanced', () => {
    const f = entityFolds(23, 5, 1)
    const counts = [0, 0, 0, 0, 0]
    f.forEach((k) => counts[k]++)
    expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1)
  })
})

describe('lstm-attention trainer (tiny end to end)', () => {
  it('learns the 6-month risk of unseen businesses', async () => {
    const series = generateBusinessRisk({ businesses: 300, seed: 4 })
    const { train, validation, test } = splitSeries(series, { kind: 'entity', trainFraction: 0.7, seed: 0 })
    const spec = {
      name: 'tiny-risk',
      dataset: { generator: 'business-risk', params: { businesses: 300 } },
      split: { kind: 'entity', trainFraction: 0.7, seed: 0 },
      model: {
        kind: 'lstm-attention',
        params: { lstmUnits: [16, 16], heads: 2, keyDim: 8, dropout: 0.2, epochs: 5, cvEpochs: 1, folds: 2, batchSize: 64, learningRate: 3e-3, windowStride: 3, mcSamples: 10, mcMaxWindows: 300, patience: 3, seed: 1 }
      },
      objective: { metric: 'rocAuc', direction: 'maximize' },
      targets: ['accuracy_6m >= 0.88', 'accuracy_9m >= 0.86', 'accuracy_12m >= 0.85']
    } as unknown as ExperimentSpec
    const epochs: { epoch: number; metrics: Record<string, number> }[] = []
    const logs: string[] = []
    const out = await lstmAttentionTrainer.run({
      spec,
      train,
      validation,
      test,
      started: Date.now(),
      hooks: { onProgress: () => {}, onEpoch: (e) => epochs.push(e), onLog: (_l, m) => logs.push(m) }
    })
    const m = out.results.metrics
    console.log(logs.join('\n'))
    console.log('tiny run', JSON.stringify(m))
    expect(m.rocAuc_6m).toBeGreaterThan(0.7)
    expect(m.rocAuc).toBe(m.rocAuc_6m)
    for (const k of ['accuracy', 'balancedAccuracy', 'rocAuc']) for (const h of ['6m', '9m', '12m']) expect(Number.isFinite(m[`${k}_${h}`])).toBe(true)
    expect(out.results.targets.map((t) => t.metric)).toEqual(['accuracy_6m', 'accuracy_9m', 'accuracy_12m'])
    expect(out.results.targets.every((t) => Number.isFinite(t.actual))).toBe(true)
    const model = out.results.model as { cv: { perFold: unknown[] }; uncertainty: { meanStd: Record<string, number> } }
    expect(model.cv.perFold.length).toBe(2)
    expect(model.uncertainty.meanStd.risk_6m).toBeGreaterThan(0)
    expect(epochs.length).toBeGreaterThan(0)
    expect(Number.isFinite(epochs[0].metrics.valRocAuc_12m)).toBe(true)
    const testScores = out.scores.find((s) => s.split === 'test')!
    expect(testScores.scores.length).toBe(testScores.labels.length)
  }, 240_000)
})

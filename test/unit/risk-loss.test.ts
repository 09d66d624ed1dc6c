/** Risk-aware loss: misses cost more, nearer horizons more, gradients finite, plain BCE as a special case. */
import { describe, it, expect, beforeAll } from 'vitest'
import * as tf from '@tensorflow/tfjs'
import { initTfjs } from '../../src-main/core/models/deep/tfjs-runtime'
import { riskAwareLoss, riskLossElements, riskLossWeights, horizonMonths } from '../../src-main/core/models/deep/risk-loss'

beforeAll(async () => {
  await initTfjs({ prefer: 'wasm' })
})

const H = [6, 9, 12]
const value = (f: (a: tf.Tensor, b: tf.Tensor) => tf.Scalar, y: number[][], p: number[][]) => tf.tidy(() => f(tf.tensor2d(y), tf.tensor2d(p)).dataSync()[0])

describe('risk-aware loss', () => {
  it('reads horizon months and weighs nearer horizons more', () => {
    expect(['risk_6m', 'risk_9m', 'risk_12m'].map(horizonMonths)).toEqual([6, 9, 12])
    expect(() => horizonMonths('risk')).toThrow(/horizon/)
    const w = riskLossWeights({ horizonMonths: H, riskWeight: 2 })
    expect(w.urgency).toEqual([1, 6 / 9, 0.5])
    expect(w.positive[0]).toBeCloseTo(3)
    expect(w.positive[0]).toBeGreaterThan(w.positive[1])
    expect(w.positive[1]).toBeGreaterThan(w.positive[2])
  })

  it('is plain binary cross-entropy with riskWeight 0 and no prevalence', () => {
    const f = riskAwareLoss({ horizonMonths: H, riskWeight: 0 })
    const y = [[1, 0, 1], [0, 1, 0]]
    const p = [[0.8, 0.3, 0.6], [0.1, 0.7, 0.4]]
    let bce = 0
    y.flat().forEach((yi, i) => (bce += -(yi * Math.log(p.flat()[i]) + (1 - yi) * Math.log(1 - p.flat()[i]))))
    expect(value(f, y, p)).toBeCloseTo(bce / 6, 5)
  })

  it('a missed positive costs more than an equally wrong false alarm, most at 6 months', () => {
    const f = riskAwareLoss({ horizonMonths: H, riskWeight: 2 })
    const miss = value(f, [[1, 1, 1]], [[0.1, 0.1, 0.1]])
    const falseAlarm = value(f, [[0, 0, 0]], [[0.9, 0.9, 0.9]])
    expect(miss).toBeGreaterThan(falseAlarm * 1.5)
    const miss6 = value(f, [[1, 0, 0]], [[0.1, 0.1, 0.1]])
    const miss12 = value(f, [[0, 0, 1]], [[0.1, 0.1, 0.1]])
    expect(miss6).toBeGreaterThan(miss12)
  })

  it('class balancing keeps the expected loss on the BCE scale (Z normaliser)', () => {
    const prev = [0.02, 0.05, 0.1]
    const f = riskAwareLoss({ horizonMonths: H, riskWeight: 2, prevalence: prev, balanceClasses: true })
    // A constant prediction at chance on a batch with the training prevalence costs ~log 2.
    const n = 1000
    const y = Array.from({ length: n }, (_, i) => prev.map((q) => (i < q * n ? 1 : 0)))
    const p = Array.from({ length: n }, () => [0.5, 0.5, 0.5])
    expect(value(f, y, p)).toBeCloseTo(Math.log(2), 3)
  })

  it('stays finite at saturated predictions and has finite gradients', () => {
    const f = riskAwareLoss({ horizonMonths: H, riskWeight: 5, prevalence: [0.01, 0.03, 0.05], balanceClasses: true })
    const y = tf.tensor2d([[1, 1, 0], [0, 0, 1]])
    const logits = tf.variable(tf.tensor2d([[-50, 3, 50], [0.2, -0.1, -40]]))
    const { value: v, grads } = tf.variableGrads(() => f(y, tf.sigmoid(logits)), [logits])
    expect(Number.isFinite(v.dataSync()[0])).toBe(true)
    for (const g of grads[logits.name].dataSync()) expect(Number.isFinite(g)).toBe(true)
    tf.dispose([y, logits, v, ...Object.values(grads)])
  })
})

describe('the fused loss (cpu and wasm) against the tensor ops', () => {
  // Predictions across (0, 1), saturated ones, and the clip bounds themselves.
  const y = [[1, 0, 1], [0, 0, 1], [1, 1, 0], [0, 1, 0], [1, 0, 0]]
  const p = [[0.3, 0.9, 0.02], [1e-9, 0.5, 1], [0, 0.999, 0.4], [Math.fround(1e-7), Math.fround(1 - 1e-7), 0.61], [0.77, 0.001, 0.25]]
  for (const backend of ['cpu', 'wasm'] as const) {
    for (const o of [
      { horizonMonths: H, riskWeight: 0 },
      { horizonMonths: H, riskWeight: 2, prevalence: [0.02, 0.05, 0.1], balanceClasses: true }
    ]) {
      it(`has the same value and gradient within float32 rounding: ${backend}, riskWeight ${o.riskWeight}`, async () => {
        await tf.setBackend(backend)
        const w = riskLossWeights(o)
        const [yt, pt] = [tf.tensor2d(y), tf.tensor2d(p)]
        const fused = tf.valueAndGrad((q: tf.Tensor) => riskAwareLoss(o)(yt, q))(pt)
        const ops = tf.valueAndGrad((q: tf.Tensor) => tf.mean(riskLossElements(yt, q, w)) as tf.Scalar)(pt)
        const [v1, v0] = [fused.value.dataSync()[0], ops.value.dataSync()[0]]
        expect(Math.abs(v1 - v0)).toBeLessThan(2e-6 * Math.abs(v0))
        const [g1, g0] = [fused.grad.dataSync(), ops.grad.dataSync()]
        g0.forEach((g, i) => expect(Math.abs(g1[i] - g), `gradient ${i}`).toBeLessThan(1e-6 * Math.max(1, Math.abs(g))))
        // The clipped predictions (below eps, above 1 - eps) pass no gradient.
        expect([g1[3], g1[5], g1[6]]).toEqual([0, 0, 0])
        tf.dispose([yt, pt, fused.value, fused.grad, ops.value, ops.grad])
      })
    }
  }
})

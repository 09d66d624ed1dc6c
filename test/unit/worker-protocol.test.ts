/**
 * The worker protocol's schemas (workers/protocol.ts): what each worker kind may send is parsed in
 * the host; typed arrays pass by type (kept, not copied), NaN metrics pass (n/a), anything else
 * malformed becomes that worker's error naming the message and the field.
 */
import { describe, it, expect } from 'vitest'
import { parseWorkerMessage, parsedMessages, type FromWorker } from '../../src-main/workers/protocol'

const confusion = { tn: 5, fp: 1, fn: 2, tp: 3 }
const results = {
  threshold: 0.5,
  metrics: { accuracy: 0.8, rocAuc: Number.NaN },
  trainMetrics: null,
  validationMetrics: { recall: Number.NaN },
  confusion,
  targets: [{ text: 'recall >= 0.5', metric: 'recall', op: '>=', value: 0.5, actual: null, met: false }],
  curves: { roc: { fpr: [0, 1], tpr: [0, 1] } },
  recallByType: { spike: { total: 2, detected: 1, recall: 0.5 } },
  model: { kind: 'iforest' }
}
const scores = {
  split: 'test',
  role: 'test',
  scores: Float32Array.of(0.1, 0.9),
  labels: Uint8Array.of(0, 1),
  types: null,
  starts: Int32Array.of(0, 1),
  windowLength: 1
}

describe('worker messages', () => {
  it('reads a well-formed trial: progress with its training step, an epoch with n/a metrics, the results with typed arrays kept', () => {
    const progress = parseWorkerMessage('training', { type: 'progress', stage: 'training', fraction: 0.4, message: 'epoch 2/5', etaMs: null, training: { epoch: 2, epochs: 5, batch: 3, batches: 10 } })
    expect(progress).toEqual({ ok: true, message: { type: 'progress', stage: 'training', fraction: 0.4, message: 'epoch 2/5', etaMs: null, training: { epoch: 2, epochs: 5, batch: 3, batches: 10 } } })
    const epoch = parseWorkerMessage('training', { type: 'epoch', epoch: 1, metrics: { loss: 0.3, valRocAuc: Number.NaN }, confusion, histogram: { edges: [0, 1], normal: [3], anomalous: [1] } })
    expect(epoch.ok).toBe(true)
    expect(Number.isNaN((epoch.message as Extract<FromWorker, { type: 'epoch' }>).metrics.valRocAuc)).toBe(true)
    const done = parseWorkerMessage('training', { type: 'done', results, scores: [scores] })
    expect(done.ok).toBe(true)
    const got = (done.message as Extract<FromWorker, { type: 'done' }>).scores[0]
    // Structured clone already copied the arrays once: parsing hands over the same objects.
    expect(got.scores).toBe(scores.scores)
    expect(got.starts).toBe(scores.starts)
  })

  it('turns a malformed message into the worker error, naming the message and the field', () => {
    const plainArray = parseWorkerMessage('training', { type: 'done', results, scores: [{ ...scores, scores: [0.1, 0.9] }] })
    expect(plainArray.ok).toBe(false)
    expect(plainArray.message).toMatchObject({ type: 'error', message: expect.stringMatching(/^the training worker sent an unreadable 'done' message \(scores\.0\.scores: a Float32Array\)/) })
    const text = parseWorkerMessage('training', { type: 'epoch', epoch: 1, metrics: { loss: 'high' }, confusion: null })
    expect(text.message).toMatchObject({ type: 'error', message: expect.stringContaining('metrics.loss') })
    const negative = parseWorkerMessage('training', { type: 'epoch', epoch: 1, metrics: {}, confusion: { ...confusion, fp: -1 } })
    expect(negative.message).toMatchObject({ type: 'error', message: expect.stringContaining('confusion.fp') })
    const unknown = parseWorkerMessage('training', { type: 'dataset', role: 'both' })
    expect(unknown).toMatchObject({ ok: false, message: { type: 'error', message: expect.stringContaining("'dataset'") } })
    expect(parseWorkerMessage('inference', 'hello')).toMatchObject({ ok: false, message: { type: 'error', message: expect.stringContaining('the inference worker sent an unreadable message') } })
  })

  it('checks that a data worker array holds the dtype it names', () => {
    const ok = parseWorkerMessage('data', { type: 'array', array: { name: 'timestamps', dtype: 'f64', data: Float64Array.of(1, 2) } })
    expect(ok.ok).toBe(true)
    const wrong = parseWorkerMessage('data', { type: 'array', array: { name: 'timestamps', dtype: 'f64', data: Float32Array.of(1, 2) } })
    expect(wrong.message).toMatchObject({ type: 'error', message: expect.stringContaining('array.data: the array does not hold its dtype') })
  })

  it('reads an inference reply and refuses one whose explanation is not one', () => {
    const reply = {
      type: 'reply',
      id: 4,
      ok: true,
      reply: {
        kind: 'explain',
        explanation: { method: 'occlusion', methodNote: 'n', score: 0.7, features: [{ name: 'x', contribution: 0.2, share: 1 }], steps: Float32Array.of(0.2), reconstruction: null, summary: 's' },
        featureNames: ['x'],
        computeMs: 3,
        warm: false
      }
    }
    expect(parseWorkerMessage('inference', reply).ok).toBe(true)
    expect(parseWorkerMessage('inference', { type: 'reply', id: 4, ok: false, message: 'no model' }).ok).toBe(true)
    const bad = parseWorkerMessage('inference', { ...reply, reply: { ...reply.reply, explanation: { ...reply.reply.explanation, method: 'magic' } } })
    expect(bad.ok).toBe(false)
  })

  it('a launcher listener stops the worker at the first malformed message and drops what follows', () => {
    const got: unknown[] = []
    let kills = 0
    const listen = parsedMessages('training', (m) => got.push(m), () => kills++)
    listen({ type: 'ready', pid: 7 })
    listen({ type: 'log', level: 'loud', message: 'x' })
    listen({ type: 'log', level: 'info', message: 'after' })
    expect(kills).toBe(1)
    expect(got).toEqual([{ type: 'ready', pid: 7 }, { type: 'error', message: expect.stringContaining("unreadable 'log' message (level: ") }])
  })
})

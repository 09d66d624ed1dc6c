/**
 * Resume checkpoints of the training loop (resume-checkpoint.ts): a loop stopped after epoch 2
 * and continued from its checkpoint in a new model ends exactly where an uninterrupted loop ends
 * (cpu backend, dropout off), and a checkpoint written for another training is refused.
 */
import { describe, it, expect, beforeAll, afterEach } from 'vitest'
import * as tf from '@tensorflow/tfjs'
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { initTfjs } from '../../src-main/core/models/deep/tfjs-runtime'
import { trainLoop, type BatchSource, type EpochRecord, type LossFn, type TrainLoopOptions } from '../../src-main/core/models/deep/train-loop'
import { buildLstmClassifier, lstmClassifierParamsSchema } from '../../src-main/core/models/deep/lstm-classifier'
import { hasResumeCheckpoint } from '../../src-main/core/models/deep/resume-files'
import { createRng } from '../../src-main/core/data/rng'
import { CancelledError } from '../../src-main/core/cancelled'
import { runTrial } from '../../src-main/core/search/run-trial'
import { parseSpec } from '../../src-main/core/search/spec'
import { rowsSource } from '../helpers/rows-source'

beforeAll(async () => {
  await initTfjs({ prefer: 'cpu' })
})

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})
function temp(): string {
  const d = mkdtempSync(join(tmpdir(), 'wb-resume-'))
  dirs.push(d)
  return d
}

const WINDOW = 6
const FEATURES = 2

/** n windows [6 x 2]; y = 1 when the first feature's mean is positive (flipped for a val set that disagrees). */
function windows(n: number, seed: number, flip = false): { src: BatchSource; labels: Uint8Array } {
  const rng = createRng(seed)
  const per = WINDOW * FEATURES
  const x = Float32Array.from({ length: n * per }, () => rng.normal())
  const labels = new Uint8Array(n)
  for (let i = 0; i < n; i++) {
    let s = 0
    for (let t = 0; t < WINDOW; t++) s += x[i * per + t * FEATURES]
    labels[i] = s > 0 !== flip ? 1 : 0
  }
  return {
    labels,
    src: rowsSource(x, [WINDOW, FEATURES], Float32Array.from(labels), [1])
  }
}

function tinyLstm(dropout: number): tf.Sequential {
  const p = lstmClassifierParamsSchema.parse({ window: WINDOW, units: [5], denseUnits: 3, dropout, denseDropout: dropout, batchNorm: true, seed: 11 })
  return buildLstmClassifier(p, FEATURES)
}

const bce: LossFn = (y, p) => tf.losses.logLoss(y, p) as tf.Scalar
const train = windows(96, 1)
// Half the validation set disagrees with the train rule: the val loss stalls, so the plateau
// rules act after the interruption point.
const val = windows(48, 2, true)

function options(model: tf.LayersModel, extra: Partial<TrainLoopOptions>): TrainLoopOptions {
  return {
    model,
    loss: bce,
    train: train.src,
    val: val.src,
    valLabels: val.labels,
    epochs: 8,
    batchSize: 16,
    learningRate: 0.03,
    clipNorm: 1,
    earlyStopping: { patience: 4 },
    reduceLrOnPlateau: { factor: 0.5, patience: 1, minLr: 1e-3 },
    seed: 5,
    ...extra
  }
}

/** An epoch's record without its timings (the only part that depends on the clock). */
const untimed = (e: EpochRecord) => ({ ...e, metrics: { ...e.metrics, epochMs: 0, windowsPerSec: 0 } })
const weightsOf = (m: tf.LayersModel) => m.getWeights().map((w) => Array.from(w.dataSync()))
const fingerprint = { kind: 'lstm-classifier', params: { units: [5] }, datasets: ['v1'] }

/** Trains until epoch `after` is done, then stops (a cancel in the next epoch's first batch), leaving its checkpoint in a fresh folder. */
async function interruptedAfter(after: number, dropout: number): Promise<{ dir: string; seen: EpochRecord[] }> {
  const dir = temp()
  const model = tinyLstm(dropout)
  const seen: EpochRecord[] = []
  await expect(
    trainLoop(options(model, { resume: { dir, fingerprint }, onEpoch: (e) => seen.push(e), shouldStop: () => seen.length >= after }))
  ).rejects.toBeInstanceOf(CancelledError)
  model.dispose()
  return { dir, seen }
}

describe('training loop resume checkpoints', () => {
  it('a loop stopped after epoch 2 and resumed gives the same history, weights and early-stopping decisions as an uninterrupted one', { timeout: 120_000 }, async () => {
    const whole = tinyLstm(0)
    const uninterrupted = await trainLoop(options(whole, {}))
    // The plateau rules acted after the interruption point, so resuming has to carry their state.
    expect(uninterrupted.history.some((e) => e.epoch > 2 && e.metrics.lr < 0.03)).toBe(true)

    const first = await interruptedAfter(2, 0)
    expect(first.seen.map((e) => e.epoch)).toEqual([1, 2])
    expect(hasResumeCheckpoint(first.dir)).toBe(true)
    // One epoch's tensors on disk beside the state: older ones are removed as new ones land.
    expect(readdirSync(first.dir).sort()).toEqual(['epoch-2.bin', 'state.json'])

    const resumedModel = tinyLstm(0)
    const replayed: EpochRecord[] = []
    const logs: string[] = []
    const resumed = await trainLoop(
      options(resumedModel, {
        resume: { dir: temp(), from: { dir: first.dir, label: 'run 7' }, fingerprint },
        onEpoch: (e) => replayed.push(e),
        onLog: (_l, m) => logs.push(m)
      })
    )
    expect(logs.filter((m) => m.startsWith('resumed'))).toEqual([expect.stringMatching(/^resumed from epoch 2 of run 7 \(best epoch [12]\)$/)])
    // Every epoch reaches onEpoch once: the two done ones replayed, then the new ones.
    expect(replayed.map((e) => e.epoch)).toEqual(uninterrupted.history.map((e) => e.epoch))
    expect(resumed.history.map(untimed)).toEqual(uninterrupted.history.map(untimed))
    expect(resumed.bestEpoch).toBe(uninterrupted.bestEpoch)
    expect(resumed.bestMonitored).toBe(uninterrupted.bestMonitored)
    expect(resumed.stoppedEarly).toBe(uninterrupted.stoppedEarly)
    expect(resumed.finalLr).toBe(uninterrupted.finalLr)
    expect(resumed.bestValScores).toEqual(uninterrupted.bestValScores)
    // Bit for bit: the best weights restored at the end, BatchNorm statistics included.
    expect(weightsOf(resumedModel)).toEqual(weightsOf(whole))
    whole.dispose()
    resumedModel.dispose()
  })

  it('with dropout the replayed epochs match and the later ones differ (dropout masks are not part of the checkpoint)', { timeout: 120_000 }, async () => {
    const whole = tinyLstm(0.3)
    const uninterrupted = await trainLoop(options(whole, { earlyStopping: null, reduceLrOnPlateau: null, epochs: 4 }))
    const dir = temp()
    const model = tinyLstm(0.3)
    const seen: EpochRecord[] = []
    await expect(trainLoop(options(model, { earlyStopping: null, reduceLrOnPlateau: null, epochs: 4, resume: { dir, fingerprint }, onEpoch: (e) => seen.push(e), shouldStop: () => seen.length >= 2 }))).rejects.toBeInstanceOf(CancelledError)
    const resumed = await trainLoop(options(tinyLstm(0.3), { earlyStopping: null, reduceLrOnPlateau: null, epochs: 4, resume: { dir: temp(), from: { dir, label: 'run 1' }, fingerprint } }))
    expect(resumed.history.slice(0, 2).map(untimed)).toEqual(seen.map(untimed))
    expect(resumed.history).toHaveLength(4)
    expect(resumed.history.slice(2).map((e) => e.metrics.loss)).not.toEqual(uninterrupted.history.slice(2).map((e) => e.metrics.loss))
    whole.dispose()
    model.dispose()
  })

  it('a checkpoint written for another training is refused with the reason, and training starts over', { timeout: 120_000 }, async () => {
    const first = await interruptedAfter(1, 0)
    const logs: { level: string; message: string }[] = []
    const epochs: number[] = []
    const model = tinyLstm(0)
    const r = await trainLoop(
      options(model, {
        epochs: 2,
        resume: { dir: temp(), from: { dir: first.dir, label: 'run 3' }, fingerprint: { ...fingerprint, params: { units: [6] } } },
        onEpoch: (e) => epochs.push(e.epoch),
        onLog: (level, message) => logs.push({ level, message })
      })
    )
    expect(logs[0]).toEqual({
      level: 'warn',
      message: 'could not resume from run 3: it was written for a different training (params.units.0 5 in the checkpoint, 6 now); training starts over at epoch 1'
    })
    expect(epochs).toEqual([1, 2])
    expect(r.history).toHaveLength(2)
    model.dispose()
  })
})

describe('per-segment trials resume segment by segment', () => {
  it('a per-segment run stopped in its second segment resumes each segment from its own checkpoint and ends as an uninterrupted run does', { timeout: 240_000 }, async () => {
    const spec = parseSpec({
      name: 'perseg-resume',
      dataset: { generator: 'business-risk', params: { businesses: 3, months: 48, distressRate: 0.5, seed: 4 } },
      split: { kind: 'per-segment', train: { firstRows: 30 } },
      model: { kind: 'lstm-classifier', params: { window: 6, units: [4], denseUnits: 0, dropout: 0, denseDropout: 0, batchSize: 8, epochs: 3, earlyStoppingPatience: null, seed: 2 } }
    })
    const whole = await runTrial(spec, { artifactsDir: temp() })
    const first = temp()
    let stop = false
    await expect(
      runTrial(spec, {
        artifactsDir: first,
        onProgress: (p) => {
          // Segment 2's third epoch has begun: segment 1 is done, segment 2 has two epochs behind it.
          if (p.message.startsWith('segment 2/') && p.training?.epoch === 3) stop = true
        },
        shouldStop: () => stop
      })
    ).rejects.toBeInstanceOf(CancelledError)
    const logs: string[] = []
    const resumed = await runTrial(spec, { artifactsDir: temp(), resumeFrom: { artifactsDir: first, runId: 1 }, onLog: (_l, m) => logs.push(m) })
    const resumes = logs.filter((m) => m.includes('resumed from'))
    expect(resumes).toHaveLength(2)
    expect(resumes[0]).toMatch(/^\[[^\]]+\] resumed from epoch 3 of run 1 /)
    expect(resumes[1]).toMatch(/^\[[^\]]+\] resumed from epoch 2 of run 1 /)
    // The third segment had not started: it says so and trains from epoch 1.
    expect(logs.filter((m) => m.includes('could not resume'))).toEqual([expect.stringMatching(/^\[[^\]]+\] could not resume from run 1: no checkpoint in .*segment-2.resume; training starts over at epoch 1$/)])
    expect(resumed.results.perSegment).toEqual(whole.results.perSegment)
    expect(resumed.results.metrics).toEqual(whole.results.metrics)
  })
})

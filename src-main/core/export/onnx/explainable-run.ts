/**
 * A finished run's model, opened for explanations and importance (explainable-model.ts): the
 * Isolation Forest as the run stored it (iforest-codec.ts); a deep model as an ONNX Runtime session over an
 * in-memory export of its checkpoint (ORT scores ~10x faster than tfjs on CPU: DESIGN.md
 * section 2, and occlusion or permutation score hundreds to tens of thousands of windows).
 *
 * The graph is exported with the 'direct' head: it takes RAW windows (scaler folded in, as in a
 * bundle) and returns the model's own output — the classifier's probability, the attention
 * model's per-horizon probabilities (column 0, the primary horizon, is the stored score), the
 * autoencoder's reconstruction in scaled units — so the autoencoder's score is computed here from
 * the reconstruction with the trainer's mapping, and the reconstruction is there to draw.
 */
import { join } from 'node:path'
import * as ort from 'onnxruntime-node'
import { loadModelFiles } from '../../models/deep/train-loop'
import { scoreK } from '../../models/deep/lstm-autoencoder'
import { iforestExplainable, scaleWindows, type ExplainableModel } from '../../eval/attribution/explainable-model'
import { deepRunSchema, iforestRunSchema, resolveCheckpoint } from './export-run'
import { exportTfjsModel } from './tfjs-onnx'
import { describePostprocess, postprocessSchema } from '../../eval/detector-rules'

/** ONNX bytes of a deep run's checkpoint with the 'direct' head, and the run's parsed model. */
async function exportDirect(runModel: unknown, artifactsDir: string | undefined) {
  const m = deepRunSchema.parse(runModel)
  const tfModel = await loadModelFiles(resolveCheckpoint(m.weightsFile, artifactsDir))
  try {
    const shape = tfModel.inputs[0].shape
    if (shape[1] !== m.window.length || shape[2] !== m.featureNames.length) {
      throw new Error(`the checkpoint takes [${shape.join(', ')}], the run says window ${m.window.length} x ${m.featureNames.length} features`)
    }
    return { m, onnx: exportTfjsModel(tfModel, { scaler: m.scaler, head: { kind: 'direct' }, graphName: m.kind }) }
  } finally {
    tfModel.dispose()
  }
}

/** What a run's post-processing over time does to its stored scores, when it has one. */
function postprocessNote(runModel: unknown): string | null {
  const p = postprocessSchema.safeParse((runModel as { postprocess?: unknown }).postprocess)
  return p.success && p.data.kind !== 'none' ? `the run's stored scores are post-processed over time (${describePostprocess(p.data)}); this explains the window's own score before that` : null
}

export async function openExplainableRun(runModel: unknown, opts: { artifactsDir?: string; segment?: string } = {}): Promise<ExplainableModel> {
  const kind = (runModel as { kind?: unknown } | null)?.kind
  if (kind === 'per-segment') {
    // One model per segment: the window's segment names it (its checkpoint is in segment-<k>/).
    const segments = (runModel as { segments?: { segment: string; model: unknown }[] }).segments ?? []
    const k = segments.findIndex((s) => s.segment === opts.segment)
    if (opts.segment === undefined) throw new Error('a per-segment run has one model per segment: there is no single model to explain or rank features by')
    if (k < 0) throw new Error(`the run has no model for segment '${opts.segment}'`)
    return openExplainableRun(segments[k].model, { artifactsDir: opts.artifactsDir ? join(opts.artifactsDir, `segment-${k}`) : undefined })
  }
  if (kind === 'iforest') return iforestExplainable(iforestRunSchema.parse(runModel), postprocessNote(runModel))
  if (kind !== 'lstm-classifier' && kind !== 'lstm-autoencoder' && kind !== 'lstm-attention') {
    throw new Error(typeof kind === 'string' ? `model kind '${kind}' cannot be explained` : 'the run stored no model (results.model.kind missing)')
  }
  const { m, onnx } = await exportDirect(runModel, opts.artifactsDir)
  const T = m.window.length
  const F = m.featureNames.length
  const session = await ort.InferenceSession.create(onnx, { graphOptimizationLevel: 'all', intraOpNumThreads: 1 })
  const output = session.outputNames[0]
  /** The model's output for `count` raw windows (a copy: the caller's buffer is reused after). */
  const forward = async (raw: Float32Array, count: number) => {
    const out = await session.run({ input: new ort.Tensor('float32', raw.slice(0, count * T * F), [count, T, F]) })
    return out[output].data as Float32Array
  }
  const common = { featureNames: m.featureNames, scaler: m.scaler, length: T, storedScoresNote: postprocessNote(runModel), dispose: () => session.release() }
  if (m.kind === 'lstm-autoencoder') {
    const k = m.scoreMapping?.k ?? scoreK(m.thresholdError)
    return {
      ...common,
      kind: 'lstm-autoencoder',
      scoreK: k,
      reconstruct: forward,
      score: async (raw, count) => {
        const recon = await forward(raw, count)
        const x = scaleWindows(raw.subarray(0, count * T * F), F, m.scaler)
        const n = T * F
        const scores = new Float64Array(count)
        for (let i = 0; i < count; i++) {
          let sum = 0
          for (let j = i * n; j < (i + 1) * n; j++) sum += (x[j] - recon[j]) ** 2
          scores[i] = 1 - Math.exp((-k * sum) / n)
        }
        return scores
      }
    }
  }
  // Classifier [count, 1]; attention [count, horizons]: the stored score is the first horizon's.
  const width = m.kind === 'lstm-attention' ? m.horizons.length : 1
  return {
    ...common,
    kind: m.kind,
    score: async (raw, count) => {
      const y = await forward(raw, count)
      return Float32Array.from({ length: count }, (_, i) => y[i * width])
    }
  }
}

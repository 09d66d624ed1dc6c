/**
 * Why one window scored as it did, by the method that suits its model kind (DESIGN.md section 7):
 * - Isolation Forest: per-feature path-length attribution of the row (iforest-attribution.ts);
 * - LSTM autoencoder: per-feature reconstruction error over the window, and the reconstruction
 *   itself in raw units so it can be drawn over the input (reconstruction-errors.ts);
 * - LSTM classifier / attention: occlusion per feature and per (step, feature) cell
 *   (occlusion.ts). The baseline is each feature's training mean — 0 after the standard scaler,
 *   i.e. "this feature carries no information" for a model trained on scaled inputs — rather
 *   than 0 in raw units, which for most metrics would be an extreme value of its own.
 * Plus a one-line summary a person can read.
 */
import type { ExplainableModel } from './explainable-model'
import type { ExplainMethodName, FeatureContribution, WindowExplanation } from './schemas'
import { scaleWindows } from './explainable-model'
import { iforestPathAttribution } from './iforest-attribution'
import { autoencoderFeatureErrors } from './reconstruction-errors'
import { occlusionAttribution } from './occlusion'
import { rankDescending } from './ranking'

export type { WindowExplanation } from './schemas'

const METHOD_NOTES: Record<ExplainMethodName, string> = {
  'path-length':
    'Path-length attribution: for each tree, the steps saved by splits on a feature along the row’s path; they add up to how much faster than an average point the forest isolates the row (positive: pushed towards anomalous).',
  'reconstruction-error':
    'Per-feature reconstruction error: the mean over the window of the squared difference between the scaled input and the autoencoder’s reconstruction; the window’s error (and so its score) is their mean.',
  occlusion:
    'Occlusion: the drop of the score when a feature (or one step of it) is replaced by its training mean, i.e. 0 after scaling; positive means the feature raised the score.'
}

/** Each value's part of the positive values (sum 1 when any is positive, else all 0). */
export function positiveShares(values: ArrayLike<number>): Float64Array {
  let sum = 0
  for (let i = 0; i < values.length; i++) if (values[i] > 0) sum += values[i]
  return Float64Array.from({ length: values.length }, (_, i) => (sum > 0 && values[i] > 0 ? values[i] / sum : 0))
}

function ranked(names: string[], values: ArrayLike<number>): FeatureContribution[] {
  const share = positiveShares(values)
  return rankDescending(values).map((f) => ({ name: names[f], contribution: values[f], share: share[f] }))
}

const percent = (x: number) => `${Math.round(x * 100)} %`

/** "a carries 64 % of the reconstruction error" / "… with b (21 %)" when a second one matters. */
function carries(features: WindowExplanation['features'], what: string): string {
  const [top, next] = features
  if (!top || top.share <= 0) return `no feature adds to the ${what}`
  const also = next && next.share >= 0.2 ? `, then ${next.name} (${percent(next.share)})` : ''
  return `${top.name} carries ${percent(top.share)} of the ${what}${also}`
}

/** Why the model scored `raw` ([length, features] row-major, raw units, the model's feature order) as it did. */
export async function explainWindow(model: ExplainableModel, raw: Float32Array): Promise<WindowExplanation> {
  const e = await explainRaw(model, raw)
  if (!model.storedScoresNote) return e
  return { ...e, methodNote: `${e.methodNote} Note: ${model.storedScoresNote}.` }
}

async function explainRaw(model: ExplainableModel, raw: Float32Array): Promise<WindowExplanation> {
  const F = model.featureNames.length
  const T = model.length
  if (raw.length !== T * F) throw new Error(`a window of this model is ${T} x ${F} values, got ${raw.length}`)
  switch (model.kind) {
    case 'iforest': {
      const a = iforestPathAttribution(model.forest, scaleWindows(raw, F, model.scaler))
      const features = ranked(model.featureNames, a.perFeature)
      const faster = a.total >= 0 ? `isolated ${a.total.toFixed(1)} steps sooner than an average point` : `isolated ${(-a.total).toFixed(1)} steps later than an average point`
      return {
        method: 'path-length',
        methodNote: METHOD_NOTES['path-length'],
        score: a.score,
        features,
        steps: null,
        reconstruction: null,
        summary: `${carries(features, 'path-length evidence')} (the row is ${faster})`
      }
    }
    case 'lstm-autoencoder': {
      const recon = await model.reconstruct(raw, 1)
      const e = autoencoderFeatureErrors(scaleWindows(raw, F, model.scaler), recon, T, F)
      const features = ranked(model.featureNames, e.perFeature)
      // Back to raw units: x = scaled x scale + mean, per feature.
      const reconstruction = model.featureNames.map((_, f) => Float32Array.from({ length: T }, (_, t) => recon[t * F + f] * model.scaler.scale[f] + model.scaler.mean[f]))
      return {
        method: 'reconstruction-error',
        methodNote: METHOD_NOTES['reconstruction-error'],
        score: 1 - Math.exp(-model.scoreK * e.error),
        features,
        steps: Float32Array.from(e.perStep),
        reconstruction,
        summary: carries(features, 'reconstruction error')
      }
    }
    case 'lstm-classifier':
    case 'lstm-attention': {
      const o = await occlusionAttribution(model.score, raw, model.scaler.mean, { length: T, features: F })
      const features = ranked(model.featureNames, o.perFeature)
      const top = features[0]
      const summary =
        top && top.contribution > 0
          ? `${carries(features, 'score drop under occlusion')}: at its training mean the score falls from ${o.score.toFixed(3)} to ${(o.score - top.contribution).toFixed(3)}`
          : `no single feature raises the score: replacing any one by its training mean leaves it at ${o.score.toFixed(3)} or higher`
      return {
        method: 'occlusion',
        methodNote: METHOD_NOTES.occlusion,
        score: o.score,
        features,
        steps: Float32Array.from(o.perCell!),
        reconstruction: null,
        summary
      }
    }
  }
}

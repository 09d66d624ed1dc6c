/**
 * A run's stored model (`results.model`) -> ONNX bytes plus a reference for parity checks.
 *
 * Dispatches on `kind`:
 * - 'iforest': `{ featureNames, scaler, forest }` (iforest-trainer.ts) -> iforest-onnx.ts;
 * - 'lstm-classifier' | 'lstm-autoencoder' | 'lstm-attention': the best weights are the trainer's
 *   checkpoint (train-loop.ts saveModelFiles: model.json + weights.bin in the run's artifacts
 *   folder, path in `weightsFile`) -> tfjs-onnx.ts.
 * The graph takes RAW features (scaler folded in) and its metadata_props carry what a consumer
 * needs without the bundle's JSON files: kind, threshold(s), feature names, window, outputs.
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { z } from 'zod'
import { readForest } from '../../models/iforest-codec'
import { loadModelFiles } from '../../models/deep/train-loop'
import { scoreK, SCORE_BANDS } from '../../models/deep/lstm-autoencoder'
import { exportIsolationForest } from './iforest-onnx'
import { exportTfjsModel, type TfjsHead } from './tfjs-onnx'
import { iforestReference, tfjsReference } from './reference'
import type { Reference } from './parity'

export interface ExportedRunModel {
  onnx: Uint8Array
  inputName: string
  inputShape: (number | string)[]
  outputNames: string[]
  /** The trained model's outputs on n rows of RAW inputs, in `outputNames` order. */
  reference: Reference
  /** The metadata_props written into the model. */
  metadata: Record<string, string>
  /** Frees the loaded tfjs model (deep kinds); a no-op for iforest. */
  dispose: () => void
}

export interface ExportRunOptions {
  /** The run's artifacts folder: where the checkpoint is looked for when `weightsFile` is missing or moved. */
  artifactsDir?: string
  /** Extra metadata_props (the bundle writer adds name, version, run id ...). */
  metadata?: Record<string, string>
  producerVersion?: string
}

const scalerSchema = z.object({ mean: z.array(z.number()), scale: z.array(z.number()) })

export const iforestRunSchema = z.object({
  kind: z.literal('iforest'),
  featureNames: z.array(z.string()),
  scaler: scalerSchema,
  forest: z.unknown()
})

const deepBase = {
  scaler: scalerSchema,
  featureNames: z.array(z.string()),
  window: z.object({ length: z.number().int().min(1) }).passthrough(),
  weightsFile: z.string().nullable().optional()
}

export const deepRunSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('lstm-classifier'), threshold: z.number(), ...deepBase }).passthrough(),
  z
    .object({
      kind: z.literal('lstm-autoencoder'),
      threshold: z.number(),
      thresholdError: z.number(),
      scoreMapping: z.object({ k: z.number() }).passthrough().optional(),
      ...deepBase
    })
    .passthrough(),
  z
    .object({
      kind: z.literal('lstm-attention'),
      horizons: z.array(z.string()),
      thresholds: z.record(z.string(), z.number()),
      ...deepBase
    })
    .passthrough()
])

function kindOf(runModel: unknown): string {
  const k = (runModel as { kind?: unknown } | null)?.kind
  if (typeof k !== 'string') throw new Error('ONNX export: the run has no model (results.model.kind missing)')
  return k
}

/** The checkpoint's model.json: `weightsFile` if it exists, else `<artifactsDir>/model.json`. */
export function resolveCheckpoint(weightsFile: string | null | undefined, artifactsDir?: string): string {
  const tried: string[] = []
  if (weightsFile) {
    if (existsSync(weightsFile)) return weightsFile
    tried.push(weightsFile)
  }
  if (artifactsDir) {
    const f = join(artifactsDir, 'model.json')
    if (existsSync(f)) return f
    tried.push(f)
  }
  throw new Error(`ONNX export: no saved weights for this run (looked for ${tried.length ? tried.join(', ') : 'nothing: no weightsFile and no artifactsDir'})`)
}

export async function exportRunModel(runModel: unknown, opts: ExportRunOptions = {}): Promise<ExportedRunModel> {
  const kind = kindOf(runModel)
  if (kind === 'iforest') {
    const m = iforestRunSchema.parse(runModel)
    const forest = readForest(m.forest)
    if (m.featureNames.length !== forest.nFeatures) throw new Error(`ONNX export: ${m.featureNames.length} feature names for a forest of ${forest.nFeatures} features`)
    const metadata = {
      model_kind: 'iforest',
      feature_names: JSON.stringify(m.featureNames),
      input_layout: '[batch, features]',
      scaler: 'standard (folded into the graph: feed raw features)',
      outputs: JSON.stringify(['score']),
      threshold: String(forest.threshold),
      ...opts.metadata
    }
    const onnx = exportIsolationForest(forest, m.scaler, { metadata, producerVersion: opts.producerVersion })
    return {
      onnx,
      inputName: 'input',
      inputShape: ['batch', forest.nFeatures],
      outputNames: ['score'],
      reference: iforestReference(forest, m.scaler),
      metadata,
      dispose: () => {}
    }
  }
  if (kind !== 'lstm-classifier' && kind !== 'lstm-autoencoder' && kind !== 'lstm-attention') {
    throw new Error(`ONNX export: model kind '${kind}' is not supported`)
  }
  const m = deepRunSchema.parse(runModel)
  const file = resolveCheckpoint(m.weightsFile, opts.artifactsDir)
  const model = await loadModelFiles(file)
  try {
    const F = m.featureNames.length
    const T = m.window.length
    const shape = model.inputs[0].shape
    if (shape[1] !== T || shape[2] !== F) throw new Error(`ONNX export: the checkpoint takes [${shape.join(', ')}], the run says window ${T} x ${F} features`)
    const base: Record<string, string> = {
      model_kind: m.kind,
      feature_names: JSON.stringify(m.featureNames),
      window: String(T),
      input_layout: '[batch, window, features]',
      scaler: 'standard (folded into the graph: feed raw features)'
    }
    let head: TfjsHead = { kind: 'direct' }
    let outputNames = ['score']
    if (m.kind === 'lstm-classifier') {
      base.threshold = String(m.threshold)
    } else if (m.kind === 'lstm-autoencoder') {
      const k = m.scoreMapping?.k ?? scoreK(m.thresholdError)
      head = { kind: 'reconstruction', k }
      outputNames = ['score', 'reconstruction_error']
      base.threshold = String(m.threshold)
      base.threshold_error = String(m.thresholdError)
      base.score_mapping = JSON.stringify({ formula: 'score = 1 - exp(-k * reconstruction_error)', k })
      base.score_bands = JSON.stringify(SCORE_BANDS)
    } else {
      base.horizons = JSON.stringify(m.horizons)
      base.thresholds = JSON.stringify(m.thresholds)
      base.threshold = String(m.thresholds[m.horizons[0]] ?? 0.5)
    }
    base.outputs = JSON.stringify(outputNames)
    const metadata = { ...base, ...opts.metadata }
    const onnx = exportTfjsModel(model, { scaler: m.scaler, head, metadata, producerVersion: opts.producerVersion, graphName: m.kind })
    return {
      onnx,
      inputName: 'input',
      inputShape: ['batch', T, F],
      outputNames,
      reference: tfjsReference(model, m.scaler, head),
      metadata,
      dispose: () => model.dispose()
    }
  } catch (err) {
    model.dispose()
    throw err
  }
}

/**
 * One trial end to end, independent of where it runs: resolve the spec's data (generate and
 * split), train the model kind, evaluate on test, check the targets. The training worker wires
 * the hooks to its parent channel; tests and benches call it in-process.
 */
import type { ExperimentSpec, DatasetSpec } from './spec'
import { isGenerated } from './spec'
import type { LabelledSeries } from '../data/series'
import { generateScenario } from '../data/scenarios'
import { holdOutValidation, splitSeries } from '../data/splits'
import { runPerSegmentTrial } from './per-segment-trial'
import { nonFinite } from '../data/missing-values'
import { loadTrainer } from '../models/trainers'
import type { TrainerHooks, TrialOutput } from '../models/trainer'
import type { DataRole } from '../store/run-schemas'
import { withSeededMathRandom } from '../data/rng'

/** Where a trial's data came from: a generated series or a stored version. */
export type DataSource =
  | { role: DataRole; kind: 'generated'; series: LabelledSeries; generator: string; params: Record<string, unknown> }
  | { role: DataRole; kind: 'version'; id: string }

/** A trainer's hooks plus what resolving the spec's data needs. */
export interface TrialHooks extends TrainerHooks {
  /** Loads a stored dataset version (the worker reads the workspace database). */
  loadVersion?: (idOrPrefix: string) => { id: string; series: LabelledSeries }
  onDataset?: (source: DataSource) => void
}

/** Loads (or generates) a spec's datasets, recording where each came from in `sources`. */
function loader(sources: DataSource[], loadVersion?: TrialHooks['loadVersion']) {
  return (ds: DatasetSpec, role: DataRole): LabelledSeries => {
    if (isGenerated(ds)) {
      const series = generateScenario(ds.generator, ds.params)
      refuseNonFinite(series, `generated '${ds.generator}' data`)
      sources.push({ role, kind: 'generated', series, generator: ds.generator, params: ds.params })
      return series
    }
    if (!loadVersion) throw new Error(`dataset version ${ds.version} needs a workspace to load it from`)
    const { id, series } = loadVersion(ds.version)
    refuseNonFinite(series, `dataset version ${id.slice(0, 12)}`)
    sources.push({ role, kind: 'version', id })
    return series
  }
}

/** The spec's one dataset, whole (a per-segment split cuts it segment by segment). */
export function resolveFull(spec: ExperimentSpec, loadVersion?: TrialHooks['loadVersion']): { full: LabelledSeries; sources: DataSource[] } {
  const sources: DataSource[] = []
  return { full: loader(sources, loadVersion)(spec.dataset, 'both'), sources }
}

/** Train, validation and test series for a spec: a second (and third) dataset, or a split of one version. */
export function resolveData(
  spec: ExperimentSpec,
  loadVersion?: TrialHooks['loadVersion']
): { train: LabelledSeries; validation: LabelledSeries | null; test: LabelledSeries; sources: DataSource[]; validationRole: 'train' | 'validation' } {
  const sources: DataSource[] = []
  const load = loader(sources, loadVersion)
  const split = spec.split
  if (split.kind === 'separate-test') {
    const whole = load(spec.dataset, 'train')
    const test = load(split.test, 'test')
    // A third dataset validates when the spec names one; otherwise the train tail does.
    if (split.validation) return { train: whole, validation: load(split.validation, 'validation'), test, sources, validationRole: 'validation' }
    const { train, validation } = holdOutValidation(whole, split.validationShare)
    return { train, validation, test, sources, validationRole: 'train' }
  }
  if (split.kind === 'per-segment') throw new Error('a per-segment split has no single train/test part (runPerSegmentTrial cuts one per segment)')
  const full = load(spec.dataset, 'both')
  const { train, validation, test } = splitSeries(full, split)
  return { train, validation, test, sources, validationRole: 'train' }
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0)

/** The data a trial trains on, in words: part of a resume checkpoint's fingerprint (TrainerHooks.dataIdentity). */
function dataIdentity(sources: DataSource[]): string[] {
  return sources.map((s) => `${s.role}:${s.kind === 'version' ? s.id : `${s.generator} ${JSON.stringify(s.params)}`}`)
}

/**
 * NaN or ±Infinity in a feature make a model train and score on garbage without failing (5 NaN
 * cells in 3,000 rows took recall from 100 % to 22 %). Imports fill or refuse them now; versions
 * stored before that may still hold some, so a trial refuses them with the column and row.
 */
function refuseNonFinite(series: LabelledSeries, what: string): void {
  const bad = nonFinite(series)
  if (!bad) return
  throw new Error(
    `${what}: column '${bad.column}' holds ${bad.count} non-finite value${bad.count === 1 ? '' : 's'} (${bad.value} at row ${bad.row} first); ` +
      'a model would learn from them silently. Import the data again with a missing-value rule (forward-fill or interpolate)'
  )
}

export async function runTrial(spec: ExperimentSpec, hooks: TrialHooks = {}): Promise<TrialOutput> {
  const progress = hooks.onProgress ?? (() => {})
  const started = Date.now()
  progress({ stage: 'data', fraction: 0, message: 'preparing data', etaMs: null })
  const trainer = await loadTrainer(spec.model.kind)
  // Every draw a library makes without a seed of its own follows the trial's seed too: one spec
  // with one seed on one backend gives the same model every time.
  const seed = typeof spec.model.params.seed === 'number' ? spec.model.params.seed : 0
  const split = spec.split
  if (split.kind === 'per-segment') {
    const { full, sources } = resolveFull(spec, hooks.loadVersion)
    for (const source of sources) hooks.onDataset?.(source)
    const out = await withSeededMathRandom(seed, () => runPerSegmentTrial(spec, split, full, trainer, { ...hooks, onProgress: progress, dataIdentity: dataIdentity(sources) }, started))
    for (const s of out.scores) s.role = 'train'
    const seg = out.results.perSegment ?? []
    out.results.partRows = { train: sum(seg.map((s) => s.rows.train)), validation: sum(seg.map((s) => s.rows.validation)), test: sum(seg.map((s) => s.rows.test)) }
    return out
  }
  const { train, validation, test, sources, validationRole } = resolveData(spec, hooks.loadVersion)
  for (const source of sources) hooks.onDataset?.(source)
  hooks.onLog?.('info', `data: train ${train.timestamps.length} rows, test ${test.timestamps.length} rows, ${train.columns.length} features`)
  progress({ stage: 'data', fraction: 0.05, message: 'data ready', etaMs: null })

  const out = await withSeededMathRandom(seed, () => trainer.run({ spec, train, validation, test, hooks: { ...hooks, onProgress: progress, dataIdentity: dataIdentity(sources) }, started }))
  // Where each split's rows live: validation windows of a held-out tail are rows of the train version.
  for (const s of out.scores) s.role = s.split === 'validation' ? validationRole : s.split
  out.results.partRows = { train: train.timestamps.length, validation: validation?.timestamps.length ?? 0, test: test.timestamps.length }
  return out
}


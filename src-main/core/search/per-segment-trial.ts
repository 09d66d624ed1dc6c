/**
 * The per-segment protocol: one model per segment (file or entity), each trained on its
 * segment's first rows and tested on the rest, as per-file benchmarks publish their results
 * (SKAB: "a separate model per file on its first 400 rows, point-wise F1 pooled over files").
 *
 * The segments' models have thresholds of their own, so the run stores each window's *margin*
 * (score - its segment's threshold) and a threshold of 0: at 0 the pooled counts are exactly the
 * sum of the per-segment ones, and moving the threshold moves every segment's by the same amount.
 * Per-segment metrics are kept beside the pooled ones.
 */
import { join } from 'node:path'
import type { ExperimentSpec } from './spec'
import type { Trainer, TrialOutput, TrialScores } from '../models/trainer'
import type { TrialHooks } from './run-trial'
import type { LabelledSeries } from '../data/series'
import type { RunResults, PerSegmentResult } from '../store/run-schemas'
import { perSegmentParts, type PerSegmentRule } from '../data/splits'
import { evaluateScores, predictAtThreshold, recallByType, testScoreCurves } from '../eval/metrics'
import { pickMetrics } from '../eval/pick-metrics'
import { checkTargets } from '../eval/targets'

/** Model kinds whose one-score-one-threshold output pools by margins (attention has one per horizon). */
const POOLABLE = new Set(['iforest', 'lstm-autoencoder', 'lstm-classifier'])

type Split = TrialScores['split']

export async function runPerSegmentTrial(
  spec: ExperimentSpec,
  rule: PerSegmentRule,
  full: LabelledSeries,
  trainer: Trainer,
  hooks: TrialHooks & { onProgress: NonNullable<TrialHooks['onProgress']> },
  started: number
): Promise<TrialOutput> {
  if (!POOLABLE.has(spec.model.kind)) {
    throw new Error(`a per-segment split trains one ${spec.model.kind} per segment, which is not supported: it needs one score and one threshold per window (use iforest, lstm-autoencoder or lstm-classifier)`)
  }
  const parts = perSegmentParts(full, rule)
  hooks.onLog?.('info', `per-segment protocol: ${parts.length} segments, one model each`)
  const outputs: { id: string; out: TrialOutput; rows: PerSegmentResult['rows'] }[] = []
  for (const [k, part] of parts.entries()) {
    const span = (f: number) => 0.05 + 0.9 * ((k + f) / parts.length)
    const out = await trainer.run({
      spec,
      train: part.train,
      validation: part.validation,
      test: part.test,
      started,
      hooks: {
        ...hooks,
        // Each segment's checkpoint in a folder of its own (the explanations load it later).
        artifactsDir: hooks.artifactsDir ? join(hooks.artifactsDir, `segment-${k}`) : undefined,
        // ... and so is its resume checkpoint: segment k continues from segment k's.
        resumeFrom: hooks.resumeFrom ? { ...hooks.resumeFrom, artifactsDir: join(hooks.resumeFrom.artifactsDir, `segment-${k}`) } : null,
        // One history per segment would interleave epochs 1..n: each segment logs its own instead.
        onEpoch: undefined,
        onParams: k === 0 ? hooks.onParams : undefined,
        onLog: (level, message) => hooks.onLog?.(level, `[${part.segment.id}] ${message}`),
        onProgress: (p) => hooks.onProgress({ ...p, fraction: span(p.fraction), message: `segment ${k + 1}/${parts.length} (${part.segment.id}): ${p.message}` })
      }
    })
    outputs.push({
      id: part.segment.id,
      out,
      rows: { train: part.train.timestamps.length, validation: part.validation?.timestamps.length ?? 0, test: part.test.timestamps.length }
    })
  }
  return pool(spec, full, outputs)
}

/** Margins of one segment's stored scores to its threshold, as stored (float32) then compared. */
function margins(scores: Float32Array, threshold: number): Float32Array {
  const out = new Float32Array(scores.length)
  for (let i = 0; i < scores.length; i++) out[i] = scores[i] - threshold
  return out
}

function concat<T extends Float32Array | Uint8Array | Int32Array>(parts: T[], make: (n: number) => T): T {
  const out = make(parts.reduce((a, p) => a + p.length, 0))
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.length
  }
  return out
}

function pool(spec: ExperimentSpec, full: LabelledSeries, outputs: { id: string; out: TrialOutput; rows: PerSegmentResult['rows'] }[]): TrialOutput {
  const splits: Split[] = ['train', 'validation', 'test']
  const pooled: TrialScores[] = []
  for (const split of splits) {
    const each = outputs.map((o) => ({ o, s: o.out.scores.find((x) => x.split === split) }))
    // A split is pooled only when every segment scored it.
    if (each.some((e) => !e.s)) continue
    const first = each[0].s!
    pooled.push({
      split,
      role: first.role,
      scores: concat(each.map((e) => margins(e.s!.scores, e.o.out.results.threshold)), (n) => new Float32Array(n)),
      labels: concat(each.map((e) => e.s!.labels), (n) => new Uint8Array(n)),
      types: each.every((e) => e.s!.types) ? concat(each.map((e) => e.s!.types!), (n) => new Uint8Array(n)) : null,
      starts: concat(each.map((e) => e.s!.starts), (n) => new Int32Array(n)),
      windowLength: first.windowLength
    })
  }
  const test = pooled.find((p) => p.split === 'test')!
  const at = (p: TrialScores | undefined) => (p ? evaluateScores(p.labels, p.scores, 0) : null)
  const testReport = at(test)!
  const metrics = pickMetrics(testReport)
  const valReport = at(pooled.find((p) => p.split === 'validation'))
  const trainReport = at(pooled.find((p) => p.split === 'train'))
  const perSegment: PerSegmentResult[] = outputs.map(({ id, out, rows }) => {
    const t = out.scores.find((s) => s.split === 'test')!
    const v = out.scores.find((s) => s.split === 'validation')
    // Recomputed from the stored (float32) scores, so the pooled counts are their exact sum.
    const tr = evaluateScores(t.labels, t.scores, out.results.threshold)
    return {
      segment: id,
      rows,
      threshold: out.results.threshold,
      confusion: tr.confusion,
      metrics: pickMetrics(tr),
      validationMetrics: v ? pickMetrics(evaluateScores(v.labels, v.scores, out.results.threshold)) : null
    }
  })
  const results: RunResults = {
    threshold: 0,
    metrics,
    trainMetrics: trainReport ? pickMetrics(trainReport) : null,
    validationMetrics: valReport ? pickMetrics(valReport) : null,
    confusion: testReport.confusion,
    targets: checkTargets(metrics, spec.targets),
    curves: {
      ...testScoreCurves(test.labels, test.scores),
      scoreIs: 'margin to each segment model threshold'
    },
    recallByType: test.types ? recallByType(test.labels, predictAtThreshold(test.scores, 0), test.types, full.anomalyTypeNames) : {},
    model: {
      kind: 'per-segment',
      modelKind: spec.model.kind,
      scoreIs: 'margin: each window score minus its segment model threshold (the run threshold is 0)',
      segments: outputs.map((o) => ({ segment: o.id, threshold: o.out.results.threshold, model: o.out.results.model }))
    },
    perSegment
  }
  return { results, scores: pooled }
}

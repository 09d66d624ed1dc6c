/**
 * What every detector (Isolation Forest, LSTM autoencoder) shares about deciding: how it trains
 * (on every training row, or on the rows labelled normal), how its threshold is set, and how its
 * scores are smoothed over time before the threshold. One definition serves the trainers, the
 * exported bundle (preprocessing.json records the post-processing) and `workbench score`, so a
 * rule means the same in all three.
 */
import { z } from 'zod'
import type { LabelledSeries } from '../data/series'
import { segmentsOf } from '../data/series'
import { bestF1Threshold } from './best-threshold'

/**
 * - `unsupervised`: every training row, labels unused (the benchmark setting where the training
 *   part is assumed normal, or is simply unlabelled);
 * - `normal-only`: rows (windows) labelled anomalous are dropped before fitting.
 */
export const trainingModeSchema = z.enum(['unsupervised', 'normal-only'])
export type TrainingMode = z.infer<typeof trainingModeSchema>

/**
 * How the decision threshold is set:
 * - `validation-percentile`: the q-th percentile of the validation scores (of its normal windows
 *   in `normal-only` mode, of all of them in `unsupervised` mode);
 * - `train-quantile`: the q-quantile of the training scores times `factor` (e.g. 0.99 x 1.1);
 * - `contamination`: flags the top `rate` of the training scores;
 * - `fixed`: a score value;
 * - `best-f1`: the threshold maximising F1 on the validation part (needs labelled anomalies there).
 */
export const thresholdRuleSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('validation-percentile'), percentile: z.number().gt(0).lt(100) }).strict(),
  z.object({ kind: z.literal('train-quantile'), quantile: z.number().gt(0).max(1), factor: z.number().gt(0).default(1) }).strict(),
  z.object({ kind: z.literal('contamination'), rate: z.number().gt(0).max(0.5) }).strict(),
  z.object({ kind: z.literal('fixed'), value: z.number() }).strict(),
  z.object({ kind: z.literal('best-f1') }).strict()
])
export type ThresholdRule = z.infer<typeof thresholdRuleSchema>

/**
 * Scores smoothed along time within each segment, causally (from the window's own and earlier
 * scores only, as a live scorer would): the (lower) median of the last `k`, or the minimum of the
 * last `k` — so a window is flagged only when `k` consecutive windows exceed the threshold.
 */
export const postprocessSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('none') }).strict(),
  z.object({ kind: z.literal('rolling-median'), k: z.number().int().min(2).max(1000) }).strict(),
  z.object({ kind: z.literal('consecutive'), k: z.number().int().min(2).max(1000) }).strict()
])
export type Postprocess = z.infer<typeof postprocessSchema>

/** Params every detector takes (spread into its params schema), with the model's default mode. */
export function detectorParams(defaultMode: TrainingMode) {
  return {
    trainingMode: trainingModeSchema.default(defaultMode).describe("Fit on every training row ('unsupervised') or only on rows labelled normal ('normal-only')."),
    /** Absent: the model's own default rule (contamination for the forest, validation percentile for the autoencoder). */
    thresholdRule: thresholdRuleSchema.optional().describe("How the decision threshold is set; absent: the model's own default rule."),
    postprocess: postprocessSchema.default({ kind: 'none' }).describe('Smoothing of scores over time before the threshold (rolling median, k consecutive windows).')
  }
}

/** The q-quantile (0..1) by linear interpolation, as numpy's default. NaN for no values. */
export function quantile(values: ArrayLike<number>, q: number): number {
  const n = values.length
  if (n === 0) return NaN
  const sorted = Float64Array.from(values as ArrayLike<number>).sort()
  const pos = q * (n - 1)
  const lo = Math.floor(pos)
  const hi = Math.min(n - 1, lo + 1)
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo)
}

function normalOnly(scores: ArrayLike<number>, labels: Uint8Array): Float64Array {
  const out: number[] = []
  for (let i = 0; i < scores.length; i++) if (labels[i] === 0) out.push(scores[i])
  return Float64Array.from(out)
}

export interface ThresholdInputs {
  mode: TrainingMode
  /** Training scores (after post-processing) and labels. */
  train: { scores: ArrayLike<number>; labels: Uint8Array } | null
  validation: { scores: ArrayLike<number>; labels: Uint8Array } | null
}

/** The threshold a rule gives, with a sentence saying how (for the run's log). */
export function thresholdByRule(rule: ThresholdRule, x: ThresholdInputs): { threshold: number; how: string } {
  const need = (part: 'train' | 'validation') => {
    const p = x[part]
    if (!p || p.scores.length === 0) throw new Error(`threshold rule '${rule.kind}' needs ${part} scores, and this split has no ${part} part`)
    return p
  }
  switch (rule.kind) {
    case 'fixed':
      return { threshold: rule.value, how: `fixed at ${rule.value}` }
    case 'contamination': {
      const t = need('train')
      return { threshold: quantile(t.scores, 1 - rule.rate), how: `top ${(rule.rate * 100).toFixed(2)} % of ${t.scores.length} training scores` }
    }
    case 'train-quantile': {
      const t = need('train')
      const scores = x.mode === 'normal-only' ? normalOnly(t.scores, t.labels) : t.scores
      return { threshold: quantile(scores, rule.quantile) * rule.factor, how: `q${rule.quantile} of ${scores.length} training scores x ${rule.factor}` }
    }
    case 'validation-percentile': {
      const v = need('validation')
      const scores = x.mode === 'normal-only' ? normalOnly(v.scores, v.labels) : v.scores
      if (scores.length === 0) throw new Error(`threshold rule 'validation-percentile' in normal-only mode needs normal validation windows, and there are none (train 'unsupervised', or pick another rule)`)
      return {
        threshold: quantile(scores, rule.percentile / 100),
        how: `p${rule.percentile} of ${scores.length} ${x.mode === 'normal-only' ? 'normal ' : ''}validation scores`
      }
    }
    case 'best-f1': {
      const v = need('validation')
      let positives = 0
      for (let i = 0; i < v.labels.length; i++) positives += v.labels[i]
      if (positives === 0) throw new Error(`threshold rule 'best-f1' needs labelled anomalies in the validation part, and it has none`)
      return { threshold: bestF1Threshold(Float32Array.from(v.scores as ArrayLike<number>), v.labels), how: `best F1 on ${v.scores.length} validation windows` }
    }
  }
}

/**
 * Applies a post-processing rule to the scores of `series`' windows (`starts`: each window's
 * first row in `series`, in row order), segment by segment; returns new scores.
 */
export function postprocessScores(scores: ArrayLike<number>, starts: Int32Array, series: Pick<LabelledSeries, 'segments' | 'timestamps' | 'name'>, rule: Postprocess): Float32Array {
  const out = Float32Array.from(scores as ArrayLike<number>)
  if (rule.kind === 'none') return out
  const segs = segmentsOf(series as LabelledSeries)
  let seg = 0
  let from = 0
  const flush = (to: number) => {
    for (let i = from; i < to; i++) {
      const lo = Math.max(from, i - rule.k + 1)
      const tail = Array.prototype.slice.call(scores, lo, i + 1) as number[]
      out[i] = rule.kind === 'consecutive' ? Math.min(...tail) : lowerMedian(tail)
    }
    from = to
  }
  for (let i = 0; i < starts.length; i++) {
    while (seg < segs.length - 1 && starts[i] >= segs[seg].end) {
      flush(i)
      seg++
    }
  }
  flush(starts.length)
  return out
}

/**
 * The lower median: one of the values, never an average of two, so it commutes with any
 * increasing map — a bundle may smooth its 0-1 score output and flag exactly the windows the
 * run flagged by smoothing raw errors.
 */
function lowerMedian(values: number[]): number {
  const s = [...values].sort((a, b) => a - b)
  return s[(s.length - 1) >> 1]
}

/** A sentence for the run's log and the model card. */
export function describePostprocess(rule: Postprocess): string {
  return rule.kind === 'none' ? 'none' : rule.kind === 'rolling-median' ? `median of the last ${rule.k} scores` : `flag only after ${rule.k} consecutive windows over the threshold (minimum of the last ${rule.k} scores)`
}

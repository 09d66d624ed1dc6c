/**
 * Pure helpers of the run page's honest-evaluation panels (no DOM, no Svelte; unit-tested in
 * Node: test/unit/run-protocol.test.ts): which split each metrics column is and what it is for,
 * which parts of the data were unlabelled, the split sizes, the point-wise rule in words, the
 * per-segment table's rows and their order, and how a detector decided, in plain words.
 * They read what `runs.get` returns; they never recompute a metric the engine already reports.
 */
import type { Confusion, DatasetRef, Metrics, PartRows, PerSegmentResult, PointMetricsInfo, RunDetail, RunLog, ScoreSplit } from '../../../src-main/contract/api'
import { describePostprocess, postprocessSchema, thresholdRuleSchema, trainingModeSchema } from '../../../src-main/core/eval/detector-rules'
import { formatCount, formatPercent, formatShortNumber, plural } from './format'

/** A part of a run's data (the splits that stored scores are the same three). */
export type Part = ScoreSplit

/** Which parts of the run's data came without labels (nothing measured on them means anything). */
export type UnlabelledParts = Record<Part, boolean>

/**
 * The parts whose rows are unlabelled. Validation rows come from the validation version when a
 * third one validated, else from the training version's rows.
 * @example unlabelledParts([{ role: 'train', unlabelled: true }, { role: 'test', unlabelled: false }]) // { train: true, validation: true, test: false }
 */
export function unlabelledParts(datasets: readonly Pick<DatasetRef, 'role' | 'unlabelled'>[]): UnlabelledParts {
  const of = (role: Part) => datasets.find((d) => d.role === role)
  const train = of('train')?.unlabelled ?? false
  return { train, validation: of('validation')?.unlabelled ?? train, test: of('test')?.unlabelled ?? false }
}

/**
 * The metrics a split's counts leave undefined, each with why: with no anomalous window there is
 * no recall (nor ROC AUC, nor average precision); with nothing flagged, no precision; with no
 * normal window, no false positive rate. The engine stores 0 for them; the page says "n/a".
 * @example undefinedMetrics({ tn: 36, fp: 0, fn: 0, tp: 0 }) // { precision: "nothing flagged", recall: "no anomalous window", ... }
 */
export function undefinedMetrics(c: Confusion): Partial<Record<keyof Metrics, string>> {
  const out: Partial<Record<keyof Metrics, string>> = {}
  const anomalous = c.tp + c.fn
  const normal = c.tn + c.fp
  if (c.tp + c.fp === 0) out.precision = 'nothing flagged'
  if (anomalous === 0) {
    out.recall = out.fnr = out.rocAuc = out.averagePrecision = 'no anomalous window'
    if (c.fp === 0) out.f1 = 'no anomalous window and nothing flagged'
  }
  if (normal === 0) out.fpr = out.specificity = out.rocAuc = 'no normal window'
  return out
}

/** One column of the metrics table: a split, what it is for, and its numbers (or why none). */
export interface MetricColumn {
  split: Part
  /** Column heading, e.g. "Validation". */
  label: string
  /** What the split is used for, e.g. "chosen on". */
  role: string
  /** A longer note for the heading's title. */
  note: string
  metrics: Metrics | null
  /** Why there are no numbers to read (e.g. "n/a: unlabelled"); null when `metrics` stand. */
  na: string | null
  /** Metrics undefined on the split's windows (see `undefinedMetrics`), each with why. */
  undefinedKeys: Partial<Record<keyof Metrics, string>>
}

type MetricsSource = Pick<RunDetail, 'modelKind' | 'metrics' | 'validationMetrics' | 'trainMetrics' | 'datasets'>
/** Each stored split's confusion matrix at the trained threshold (from `runs.threshold`), when known. */
export type SplitCounts = Partial<Record<Part, Confusion>>

/**
 * The metrics table's columns, validation first (what choices are made on), then test (reported),
 * then train (Isolation Forest only: what it was fitted on). Older deep runs stored their
 * validation windows' metrics as "train" (deep models never score their training windows): such a
 * column is shown as validation, saying so. A split without labels reads "n/a: unlabelled"; with
 * `counts`, a metric its windows leave undefined (no anomalous window: no recall) reads "n/a".
 * @example metricColumns({ modelKind: 'iforest', metrics: m, validationMetrics: v, trainMetrics: t, datasets: [] }).map((c) => c.split) // ["validation", "test", "train"]
 */
export function metricColumns(run: MetricsSource, counts: SplitCounts = {}): MetricColumn[] {
  const unl = unlabelledParts(run.datasets)
  const legacyValidation = run.validationMetrics == null && run.trainMetrics != null && run.modelKind !== 'iforest'
  const validation = run.validationMetrics ?? (legacyValidation ? run.trainMetrics : null)
  const cols: MetricColumn[] = []
  const na = (part: Part) => (unl[part] ? 'n/a: unlabelled' : null)
  const undef = (part: Part) => {
    const c = counts[part]
    return c && !unl[part] ? undefinedMetrics(c) : {}
  }
  if (validation) {
    cols.push({
      split: 'validation',
      label: 'Validation',
      role: 'chosen on',
      note: legacyValidation
        ? 'Validation windows, stored as "train" by an older version of the workbench (deep models never score their training windows). Thresholds picked here and a search\'s winner are chosen on validation.'
        : 'Thresholds picked on this page and a search\'s winner are chosen on the validation part, never on test.',
      metrics: validation,
      na: na('validation'),
      undefinedKeys: undef('validation')
    })
  }
  if (run.metrics) {
    cols.push({ split: 'test', label: 'Test', role: 'reported', note: 'Reported once for what was chosen; nothing is chosen on it.', metrics: run.metrics, na: na('test'), undefinedKeys: undef('test') })
  }
  if (run.trainMetrics && !legacyValidation) {
    cols.push({ split: 'train', label: 'Train', role: 'fitted on', note: 'The rows the model was fitted on: optimistic by construction.', metrics: run.trainMetrics, na: na('train'), undefinedKeys: undef('train') })
  }
  return cols
}

/** The split sizes in rows (what the split made, not the versions' sizes), in part order. */
export interface PartSize {
  part: Part
  rows: number
  /** Share of the three parts' rows. */
  share: number
}

/**
 * The train / validation / test rows of a run's split, with their shares; null for runs stored
 * before parts were counted.
 * @example partSizes({ train: 60, validation: 15, test: 25 })?.map((p) => p.share) // [0.6, 0.15, 0.25]
 */
export function partSizes(partRows: PartRows | null): PartSize[] | null {
  if (!partRows) return null
  const total = partRows.train + partRows.validation + partRows.test
  return (['train', 'validation', 'test'] as const).map((part) => ({ part, rows: partRows[part], share: total > 0 ? partRows[part] / total : 0 }))
}

/**
 * Where the validation rows come from, in words.
 * @example validationSource([{ role: 'train' }, { role: 'test' }], false) // "the last rows of the training part, in time order"
 */
export function validationSource(datasets: readonly Pick<DatasetRef, 'role'>[], perSegment: boolean): string {
  if (perSegment) return "the last of each segment's training rows"
  if (datasets.some((d) => d.role === 'validation')) return 'its own dataset version'
  return 'the last rows of the training part, in time order'
}

/**
 * The point-wise rule and the rows it left without a score, in one line.
 * @example pointRuleLine({ rule: 'last', rows: 1000, unscored: 59 }) // "Each row takes the score of the window that ends on it (rule “last”); 59 of 1,000 rows get no score by this rule and are left out of these counts."
 */
export function pointRuleLine(p: Pick<PointMetricsInfo, 'rule' | 'rows' | 'unscored'>): string {
  const rule = p.rule === 'last' ? 'Each row takes the score of the window that ends on it (rule “last”)' : 'Each row takes the highest score of the windows covering it (rule “max”)'
  const rest = p.unscored === 0 ? `every one of the ${plural(p.rows, 'row')} gets a score.` : `${formatCount(p.unscored)} of ${plural(p.rows, 'row')} get no score by this rule and are left out of these counts.`
  return `${rule}; ${rest}`
}

export type SegmentKey = 'segment' | 'train' | 'validation' | 'test' | 'threshold' | 'precision' | 'recall' | 'f1' | 'fpr'

/** One row of the per-segment table; a metric is null where it is undefined on the segment's test rows. */
export interface SegmentRow {
  segment: string
  train: number
  validation: number
  test: number
  threshold: number
  precision: number | null
  recall: number | null
  f1: number | null
  fpr: number | null
  /** Labelled anomalous and normal test windows of the segment. */
  anomalous: number
  normal: number
  confusion: Confusion
  /** Why a metric is null (see `undefinedMetrics`). */
  why: Partial<Record<keyof Metrics, string>>
}

/**
 * The per-segment table's rows, a metric left null where its denominator is 0 on the segment
 * (a segment without anomalies has no recall; it is not 0).
 * @example segmentRows([{ segment: 'a/0', rows: { train: 34, validation: 6, test: 80 }, threshold: 0.6, confusion: { tn: 70, fp: 0, fn: 0, tp: 0 }, metrics: { precision: 0, recall: 0, f1: 0, fpr: 0 }, validationMetrics: null }])[0].recall // null
 */
export function segmentRows(perSegment: readonly PerSegmentResult[]): SegmentRow[] {
  return perSegment.map((s) => {
    const { tn, fp, fn, tp } = s.confusion
    const why = undefinedMetrics(s.confusion)
    const m = (k: keyof Metrics) => (why[k] == null && Number.isFinite(s.metrics[k]) ? s.metrics[k]! : null)
    return {
      segment: s.segment,
      train: s.rows.train,
      validation: s.rows.validation,
      test: s.rows.test,
      threshold: s.threshold,
      precision: m('precision'),
      recall: m('recall'),
      f1: m('f1'),
      fpr: m('fpr'),
      anomalous: tp + fn,
      normal: tn + fp,
      confusion: s.confusion,
      why
    }
  })
}

const natural = new Intl.Collator('en', { numeric: true, sensitivity: 'base' })

/**
 * The rows sorted by a column: segment names in natural order (`valve1/9` before `valve1/10`),
 * numbers by value; undefined metrics last in either direction; ties by segment name.
 * @example sortSegments(rows, 'f1', 'desc').map((r) => r.segment) // best F1 first
 */
export function sortSegments(rows: readonly SegmentRow[], key: SegmentKey, dir: 'asc' | 'desc'): SegmentRow[] {
  const sign = dir === 'asc' ? 1 : -1
  return [...rows].sort((a, b) => {
    if (key !== 'segment') {
      const x = a[key]
      const y = b[key]
      if (x == null || y == null) {
        if (x != null) return -1
        if (y != null) return 1
      } else if (x !== y) return sign * (x - y)
      return natural.compare(a.segment, b.segment)
    }
    return sign * natural.compare(a.segment, b.segment)
  })
}

/** How a detector decided, in plain words: each line null where the model has no such setting. */
export interface DecisionWords {
  training: string | null
  threshold: string | null
  postprocess: string | null
}

const asNumber = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null)

/**
 * How the run's model trained, set its threshold and smoothed its scores, from its params
 * (`trainingMode`, `thresholdRule`, `postprocess`, see core/eval/detector-rules.ts; absent rule:
 * the model's own default).
 * @example decisionWords('iforest', { trainingMode: 'unsupervised', contamination: 0.05, postprocess: { kind: 'none' } }).threshold // "flags the top 5.00% of the training scores (contamination 0.05, the forest's default rule)"
 */
export function decisionWords(modelKind: string, params: Record<string, unknown>): DecisionWords {
  const mode = trainingModeSchema.safeParse(params.trainingMode)
  const unit = modelKind === 'lstm-autoencoder' ? 'window' : 'row'
  const training = mode.success
    ? mode.data === 'unsupervised'
      ? `unsupervised: fitted on every training ${unit}, labels unused`
      : `normal only: training ${unit}s labelled anomalous are dropped before fitting`
    : modelKind === 'lstm-classifier' || modelKind === 'lstm-attention'
      ? 'supervised: the model learns from the labels'
      : null

  const rule = thresholdRuleSchema.safeParse(params.thresholdRule)
  let threshold: string | null = null
  const normalOnly = mode.success && mode.data === 'normal-only'
  if (params.thresholdRule != null && rule.success) {
    const r = rule.data
    switch (r.kind) {
      case 'validation-percentile':
        threshold = `the ${formatShortNumber(r.percentile)}th percentile of the validation scores (${normalOnly ? 'normal windows only' : 'all of them'})`
        break
      case 'train-quantile':
        threshold = `the ${formatShortNumber(r.quantile)} quantile of the training scores${normalOnly ? ' (normal ones)' : ''} × ${formatShortNumber(r.factor)}`
        break
      case 'contamination':
        threshold = `flags the top ${formatPercent(r.rate, 2)} of the training scores`
        break
      case 'fixed':
        threshold = `fixed at ${formatShortNumber(r.value)}`
        break
      case 'best-f1':
        threshold = 'the best F1 on the validation part'
        break
    }
  } else if (modelKind === 'iforest') {
    const c = params.contamination
    const rate = asNumber(c)
    threshold =
      c === 'auto' || c == null
        ? "contamination 'auto': the forest's offset (score 0.5), the forest's default rule"
        : rate != null
          ? `flags the top ${formatPercent(rate, 2)} of the training scores (contamination ${formatShortNumber(rate)}, the forest's default rule)`
          : null
  } else if (modelKind === 'lstm-autoencoder') {
    const p = asNumber(params.thresholdPercentile)
    threshold = p == null ? null : `the ${formatShortNumber(p)}th percentile of the validation reconstruction errors (${normalOnly ? 'normal windows only' : 'all of them'}; the default rule)`
  } else if (modelKind === 'lstm-classifier') {
    const t = params.threshold
    const fixed = asNumber(t)
    threshold = t === 'best-f1' ? 'the best F1 on the validation windows' : fixed != null ? `fixed at ${formatShortNumber(fixed)} on the predicted probability` : null
  } else if (modelKind === 'lstm-attention') {
    const m = params.thresholdMetric
    const fixed = asNumber(params.threshold)
    threshold =
      m === 'fixed' ? (fixed == null ? null : `fixed at ${formatShortNumber(fixed)} on each horizon's probability`) : typeof m === 'string' ? `per horizon, the best ${m} on the validation windows` : null
  }

  const post = postprocessSchema.safeParse(params.postprocess)
  const postprocess = post.success ? (post.data.kind === 'none' ? 'none: each window flagged on its own score' : describePostprocess(post.data)) : null
  return { training, threshold, postprocess }
}

/**
 * The run log's lines that say how a threshold was set (`threshold 0.53: p95 of …`; a per-segment
 * run logs one per segment, prefixed `[segment]`).
 * @example thresholdLogLines([{ message: 'threshold 0.61: top 5.00 % of 340 training scores' }, { message: 'fitting' }]).length // 1
 */
export function thresholdLogLines(logs: readonly Pick<RunLog, 'message'>[]): string[] {
  return logs.map((l) => l.message).filter((m) => /\bthreshold -?[\d.]+(e[-+]?\d+)?: /.test(m))
}

/**
 * Whether the run is per-segment (one model per file or entity; stored scores are margins to each
 * segment's threshold): it has per-segment results, or its spec's split says so.
 */
export function isPerSegment(run: Pick<RunDetail, 'perSegment' | 'spec'>): boolean {
  if (run.perSegment) return true
  const split = (run.spec as { split?: { kind?: unknown } } | null)?.split
  return split?.kind === 'per-segment'
}

/**
 * One Isolation Forest trial end to end on generated or imported data: scale (fit on train),
 * fit the forest on every train row (unsupervised, contaminated as the seed's script trains it),
 * take the threshold from the train scores, score both sets and evaluate.
 *
 * Labels are read only for evaluation, never for fitting.
 */

import { fromColumns } from '../data/matrix'
import { applyScaler, fitStandardScaler, type StandardScaler } from '../data/scaler'
import type { LabelledSeries } from '../data/series'
import {
  evaluateScores,
  predictAtThreshold,
  prCurve,
  recallByType,
  rocCurve,
  scoreHistogram,
  type EvalReport,
  type PrCurve,
  type RocCurve,
  type ScoreHistogram,
  type TypeRecall
} from '../eval/metrics'
import { stopIfAsked } from '../cancelled'
import {
  fitIsolationForest,
  iforestParamsSchema,
  scoreSamples,
  type IForestParams,
  type IsolationForestModel
} from './iforest'

export type TrialStage = 'scaling' | 'fitting' | 'scoring' | 'evaluating'

export interface TrialProgress {
  stage: TrialStage
  /** Overall progress in [0, 1]. */
  fraction: number
  message: string
}

export interface IForestTrialInput {
  train: LabelledSeries
  test: LabelledSeries
  params: unknown
  onProgress?: (p: TrialProgress) => void
  shouldStop?: () => boolean
}

export interface IForestTrialResult {
  params: IForestParams
  model: IsolationForestModel
  scaler: StandardScaler
  featureNames: string[]
  threshold: number
  trainScores: Float64Array
  testScores: Float64Array
  train: EvalReport
  test: EvalReport
  rocCurve: RocCurve
  prCurve: PrCurve
  histogram: ScoreHistogram
  recallByType: Record<string, TypeRecall>
  timings: { fitMs: number; scoreMs: number }
}

// Share of the overall progress bar each stage owns (fitting dominates).
const STAGE_SPAN: Record<TrialStage, [number, number]> = {
  scaling: [0, 0.02],
  fitting: [0.02, 0.9],
  scoring: [0.9, 0.96],
  evaluating: [0.96, 1]
}

function checkSameColumns(train: LabelledSeries, test: LabelledSeries): void {
  const a = train.columns
  const b = test.columns
  const same = a.length === b.length && a.every((c, i) => c === b[i])
  if (!same) {
    throw new Error(
      `train and test columns differ: train has [${a.join(', ')}], test has [${b.join(', ')}]`
    )
  }
}

export function runIForestTrial(input: IForestTrialInput): IForestTrialResult {
  const { train, test, onProgress, shouldStop } = input
  const parsed = iforestParamsSchema.safeParse(input.params ?? {})
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(params)'}: ${i.message}`)
    throw new Error(`invalid isolation forest params: ${problems.join('; ')}`)
  }
  const params = parsed.data
  checkSameColumns(train, test)

  const report = (stage: TrialStage, within: number, message: string): void => {
    const [a, b] = STAGE_SPAN[stage]
    onProgress?.({ stage, fraction: a + (b - a) * within, message })
  }
  const checkStop = (where: string): void => stopIfAsked(shouldStop, where)

  checkStop('before scaling')
  report('scaling', 0, `scaling ${train.columns.length} features`)
  const trainRaw = fromColumns(train.values)
  const testRaw = fromColumns(test.values)
  const scaler = fitStandardScaler(trainRaw)
  const trainX = applyScaler(trainRaw, scaler)
  const testX = applyScaler(testRaw, scaler)
  report('scaling', 1, 'scaled')

  checkStop('before fitting')
  const fitStart = performance.now()
  const model = fitIsolationForest(
    trainX,
    params,
    (done, total) => report('fitting', done / total, `tree ${done}/${total}`),
    shouldStop
  )
  const fitMs = performance.now() - fitStart

  checkStop('before scoring')
  report('scoring', 0, `scoring ${train.labels.length + test.labels.length} rows`)
  const scoreStart = performance.now()
  const trainScores = scoreSamples(model, trainX)
  const testScores = scoreSamples(model, testX)
  const scoreMs = performance.now() - scoreStart
  report('scoring', 1, 'scored')

  checkStop('before evaluating')
  report('evaluating', 0, 'evaluating')
  const threshold = model.threshold
  const result: IForestTrialResult = {
    params,
    model,
    scaler,
    featureNames: [...train.columns],
    threshold,
    trainScores,
    testScores,
    train: evaluateScores(train.labels, trainScores, threshold),
    test: evaluateScores(test.labels, testScores, threshold),
    rocCurve: rocCurve(test.labels, testScores),
    prCurve: prCurve(test.labels, testScores),
    histogram: scoreHistogram(test.labels, testScores),
    recallByType: recallByType(
      test.labels,
      predictAtThreshold(testScores, threshold),
      test.anomalyType,
      test.anomalyTypeNames
    ),
    timings: { fitMs, scoreMs }
  }
  report('evaluating', 1, `test precision ${result.test.precision.toFixed(3)}, recall ${result.test.recall.toFixed(3)}`)
  return result
}

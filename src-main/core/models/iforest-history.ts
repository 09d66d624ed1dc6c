/**
 * Isolation Forest has no epochs; its learning curve is the ensemble size. This replays a fitted
 * forest tree by tree and, at a few checkpoints, scores the training rows with the first k trees:
 * ROC AUC, average precision and the confusion matrix at the contamination threshold, so a user
 * sees whether more trees still help (and the run page draws the same per-epoch charts as deep
 * models). One pass over the trees in all: each chunk's mean path length is recovered from its
 * score, since score = 2^(-E[h] / c(psi)).
 */
import type { Matrix } from '../data/matrix'
import type { Confusion } from '../eval/metrics'
import { evaluateScores } from '../eval/metrics'
import { averagePathLength, contaminationThreshold, scoreSamples, type IsolationForestModel } from './iforest'
import type { Epoch } from '../store/run-schemas'

/** A run history point whose `epoch` is the number of trees (the history axis "trees"); always with its confusion. */
export type EnsembleCheckpoint = Epoch & { confusion: Confusion }

export function ensembleHistory(
  model: IsolationForestModel,
  X: Matrix,
  labels: Uint8Array,
  checkpoints = 10
): EnsembleCheckpoint[] {
  const n = model.trees.length
  const cuts = [...new Set(Array.from({ length: Math.min(checkpoints, n) }, (_, k) => Math.round((n * (k + 1)) / Math.min(checkpoints, n))))]
  const c = averagePathLength(model.psi)
  const pathSum = new Float64Array(X.rows)
  const scores = new Float64Array(X.rows)
  const out: EnsembleCheckpoint[] = []
  let prev = 0
  for (const cut of cuts) {
    const chunk = scoreSamples({ ...model, trees: model.trees.slice(prev, cut) }, X)
    const size = cut - prev
    for (let i = 0; i < X.rows; i++) {
      pathSum[i] += -Math.log2(chunk[i]) * c * size
      scores[i] = Math.pow(2, -pathSum[i] / cut / c)
    }
    const contamination = model.params.contamination
    const threshold = contamination === 'auto' ? 0.5 : contaminationThreshold(scores, contamination)
    const r = evaluateScores(labels, scores, threshold)
    out.push({
      epoch: cut,
      metrics: { rocAuc: r.rocAuc, averagePrecision: r.averagePrecision, precision: r.precision, recall: r.recall, f1: r.f1, threshold },
      confusion: r.confusion
    })
    prev = cut
  }
  return out
}

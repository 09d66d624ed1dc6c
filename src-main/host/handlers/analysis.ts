/**
 * Analysis over a finished run's stored scores: threshold reports, picks and decisions, error
 * lists, point-wise metrics and per-row predictions. A saved or reset threshold changes the run
 * (`run.changed`).
 */
import type { Handlers } from '../dispatch'
import type { AnalysisService } from '../analysis-service'
import type { PredictionsService } from '../predictions-service'
import type { PathPolicy } from '../path-policy'

type AnalysisMethods =
  | 'runs.threshold'
  | 'runs.pickThreshold'
  | 'runs.setThreshold'
  | 'runs.resetThreshold'
  | 'runs.errors'
  | 'runs.pointwise'
  | 'runs.predictions'

export function analysisHandlers(s: {
  analysis: AnalysisService
  predictions: PredictionsService
  paths: PathPolicy
  runChanged: (id: number) => void
}): Pick<Handlers, AnalysisMethods> {
  return {
    'runs.threshold': (input) => s.analysis.report(input),
    'runs.pickThreshold': (input) => s.analysis.pick(input),
    'runs.setThreshold': (input) => {
      const out = s.analysis.setThreshold(input)
      s.runChanged(input.id)
      return out
    },
    'runs.resetThreshold': (input) => {
      const out = s.analysis.resetThreshold(input)
      s.runChanged(input.id)
      return out
    },
    'runs.errors': (input) => s.analysis.errors(input),
    'runs.pointwise': (input) => s.predictions.pointwise(input),
    'runs.predictions': (input) => s.predictions.write({ ...input, path: s.paths.check(input.path, 'path') })
  }
}

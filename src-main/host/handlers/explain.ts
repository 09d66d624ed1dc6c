/** Why a window scored as it did: raw windows, explanations, feature importance (inference workers). */
import type { Handlers } from '../dispatch'
import type { ExplainService } from '../explain-service'

export function explainHandlers(s: { explain: ExplainService }): Pick<Handlers, 'runs.window' | 'runs.explain' | 'runs.featureImportance'> {
  return {
    'runs.window': (input) => s.explain.window(input),
    'runs.explain': (input) => s.explain.explain(input),
    'runs.featureImportance': ({ id, recompute }) => s.explain.importance(id, recompute)
  }
}

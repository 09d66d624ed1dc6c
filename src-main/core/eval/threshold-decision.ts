/**
 * What "pick for targets" / "pick for objective" means for one finished run, and how the choice
 * is said in words (saved with the decision, printed on the bundle's model card).
 *
 * A run stores one score per window. For a multi-horizon model (seed 004) that is its primary
 * (first) horizon, so a target on that horizon (`accuracy_6m` when the first horizon is
 * `risk_6m`) is a target on the stored scores (`accuracy`); targets on other horizons do not
 * depend on this threshold and are left out, and said so. An objective that does not depend on
 * the threshold (ROC AUC, average precision) cannot choose one: F1 decides instead, and said so.
 */
import type { PickOptions, ThresholdPick } from './threshold-pick'
import { horizonSuffix } from './horizon-targets'
import type { Target } from './targets'

const THRESHOLD_FREE = new Set(['rocAuc', 'averagePrecision'])
const FALLBACK_OBJECTIVE = { metric: 'f1', direction: 'maximize' } as const

export interface PickPlan {
  options: PickOptions
  /** What differs from the run's own targets and objective, in words (empty when nothing does). */
  notes: string[]
}

/**
 * The targets and objective a pick uses: the run's targets (for rule `targets`; none for
 * `objective`) and its experiment's objective, fitted to a single score per window.
 *
 * @example
 * planPick({ rule: 'targets', targets: [{ metric: 'accuracy_6m', op: '>=', value: 0.88, text: 'accuracy_6m >= 0.88' }],
 *   objective: { metric: 'rocAuc', direction: 'maximize' }, horizons: ['risk_6m', 'risk_12m'] }).options
 * // { targets: [{ metric: 'accuracy', op: '>=', value: 0.88, text: 'accuracy_6m >= 0.88' }], objective: { metric: 'f1', direction: 'maximize' } }
 */
export function planPick(input: {
  rule: 'targets' | 'objective'
  targets: Target[]
  objective: { metric: string; direction: 'maximize' | 'minimize' }
  /** The model's horizons when it has several (the stored scores are the first one's). */
  horizons?: string[] | null
}): PickPlan {
  const notes: string[] = []
  const primary = input.horizons && input.horizons.length > 0 ? horizonSuffix(input.horizons[0]) : null
  const targets: Target[] = []
  const other: string[] = []
  if (input.rule === 'targets') {
    for (const t of input.targets) {
      const m = /^(.+)_(\d+[a-z]*)$/.exec(t.metric)
      if (!m) targets.push(t)
      else if (primary !== null && m[2] === primary) targets.push({ ...t, metric: m[1] })
      else other.push(t.text)
    }
    if (other.length > 0) notes.push(`targets on other horizons (${other.join(', ')}) do not depend on this threshold and are left out`)
  }
  let objective = { metric: input.objective.metric, direction: input.objective.direction }
  const m = /^(.+)_(\d+[a-z]*)$/.exec(objective.metric)
  if (m && primary !== null && m[2] === primary) objective = { ...objective, metric: m[1] }
  if (m && objective.metric === input.objective.metric) {
    notes.push(`the objective ${input.objective.metric} is not on the stored scores' horizon, so ${FALLBACK_OBJECTIVE.metric} decides`)
    objective = { ...FALLBACK_OBJECTIVE }
  } else if (THRESHOLD_FREE.has(objective.metric)) {
    notes.push(`the objective ${input.objective.metric} does not depend on the threshold, so ${FALLBACK_OBJECTIVE.metric} decides`)
    objective = { ...FALLBACK_OBJECTIVE }
  }
  return { options: { targets, objective }, notes }
}

const fmt = (x: number) => (Number.isFinite(x) ? x.toFixed(4) : String(x))

/** The choice in words, e.g. "chosen on validation: meets every target (precision >= 0.9), best f1 (0.9123) among 12 of 480 thresholds". */
export function pickBasis(rule: 'targets' | 'objective', pick: ThresholdPick, plan: PickPlan): string {
  const { metric, direction, value } = pick.objective
  const best = `${direction === 'maximize' ? 'highest' : 'lowest'} ${metric} (${fmt(value)})`
  const targets = plan.options.targets.map((t) => (typeof t === 'string' ? t : t.text)).join(', ')
  let text: string
  if (pick.rule === 'targets') text = `chosen on validation: meets every target (${targets}), ${best} among the ${pick.meetingTargets} of ${pick.candidates} thresholds that do`
  else if (rule === 'targets' && plan.options.targets.length > 0) text = `chosen on validation: no threshold meets every target (${targets}), so the ${best} of ${pick.candidates} thresholds`
  else if (rule === 'targets') text = `chosen on validation: the run has no targets, so the ${best} of ${pick.candidates} thresholds`
  else text = `chosen on validation: the ${best} of ${pick.candidates} thresholds`
  return plan.notes.length > 0 ? `${text} (${plan.notes.join('; ')})` : text
}

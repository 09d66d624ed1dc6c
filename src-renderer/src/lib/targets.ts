/**
 * Whether a run's targets have verdicts. Targets are checked on a finished run's test metrics:
 * a queued or running run's are pending, and a failed, cancelled, interrupted or skipped one's were
 * never checked, so its unmet targets are no verdict (they must not show as a red "0/1 met").
 */
import type { RunStatus, TrialStatus } from '../../../src-main/contract/api'

export type TargetsCheck = 'checked' | 'pending' | 'unchecked'

/**
 * @example targetsCheck('done') // "checked"
 * @example targetsCheck('running') // "pending"
 * @example targetsCheck('cancelled') // "unchecked"
 */
export function targetsCheck(status: RunStatus | TrialStatus): TargetsCheck {
  if (status === 'done') return 'checked'
  return status === 'queued' || status === 'running' ? 'pending' : 'unchecked'
}

import type { EvalReport } from './metrics'

/** The metrics a run stores and compares, picked from an evaluation report. */
export const METRIC_KEYS = ['accuracy', 'precision', 'recall', 'f1', 'fpr', 'specificity', 'fnr', 'rocAuc', 'averagePrecision'] as const

export function pickMetrics(report: Pick<EvalReport, (typeof METRIC_KEYS)[number]>): Record<string, number> {
  const out: Record<string, number> = {}
  for (const k of METRIC_KEYS) out[k] = Number(report[k])
  return out
}

/**
 * Targets as the seeds state them ("precision >= 95.3%", "FPR <= 11.8%"): parsed once into
 * {metric, op, value} with value as a fraction, then checked against any metric report.
 */

import { z } from 'zod'
import type { EvalReport } from './metrics'

export const targetOpSchema = z.enum(['>=', '>', '<=', '<'])
export type TargetOp = z.infer<typeof targetOpSchema>

export const parsedTargetSchema = z.object({
  /** Canonical metric name, a key of EvalReport. */
  metric: z.string(),
  op: targetOpSchema,
  /** Fraction for ratio metrics (87.1% -> 0.871). */
  value: z.number(),
  /** The text as written (or rebuilt for object targets). */
  text: z.string()
})
export type Target = z.infer<typeof parsedTargetSchema>

/** A target checked against a report: what a run stores and every front door shows. */
export const targetResultSchema = parsedTargetSchema.extend({
  /** The report's value; null when the report lacks it or it is not finite (n/a): the target then counts as not met. */
  actual: z.number().nullable(),
  met: z.boolean()
})
export type TargetResult = z.infer<typeof targetResultSchema>

/** What a run's target verdict can be: every target met, one missed, or none (no targets or no results yet). */
export const targetsVerdictSchema = z.enum(['met', 'not-met', 'none'])
export type TargetsVerdict = z.infer<typeof targetsVerdictSchema>

/** Metrics a target may name, with the spellings the seeds and sklearn users write. */
const METRIC_ALIASES: Record<string, string> = {
  accuracy: 'accuracy',
  precision: 'precision',
  recall: 'recall',
  sensitivity: 'recall',
  tpr: 'recall',
  f1: 'f1',
  f1_score: 'f1',
  fpr: 'fpr',
  false_positive_rate: 'fpr',
  specificity: 'specificity',
  tnr: 'specificity',
  fnr: 'fnr',
  false_negative_rate: 'fnr',
  rocauc: 'rocAuc',
  roc_auc: 'rocAuc',
  auc: 'rocAuc',
  averageprecision: 'averagePrecision',
  average_precision: 'averagePrecision',
  ap: 'averagePrecision',
  balancedaccuracy: 'balancedAccuracy',
  balanced_accuracy: 'balancedAccuracy'
}

export const TARGET_METRICS: string[] = [...new Set(Object.values(METRIC_ALIASES))]

const OPS: Record<string, TargetOp> = { '>=': '>=', '>': '>', '<=': '<=', '<': '<', '≥': '>=', '≤': '<=' }

const TARGET_RE = /^\s*([A-Za-z][A-Za-z0-9_]*)\s*(>=|<=|≥|≤|>|<)\s*([+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)\s*(%?)\s*$/

function canonicalMetric(name: string): string | undefined {
  const direct = METRIC_ALIASES[name.toLowerCase()]
  if (direct) return direct
  // Per-horizon metrics (seed 004's 6/9/12-month heads): a known metric plus a suffix, e.g. accuracy_6m.
  const m = /^(.+)_(\d+[a-z]*)$/i.exec(name)
  const base = m ? METRIC_ALIASES[m[1].toLowerCase()] : undefined
  return base ? `${base}_${m![2].toLowerCase()}` : undefined
}

/** Whether a name is a metric targets and objectives may use (with an optional horizon suffix). */
export function isKnownMetric(name: string): boolean {
  return canonicalMetric(name) !== undefined
}

function allowed(): string {
  return `${TARGET_METRICS.join(', ')} (optionally per horizon, e.g. accuracy_6m)`
}

export function parseTarget(text: string): Target {
  const m = TARGET_RE.exec(text)
  if (!m) {
    throw new Error(
      `malformed target '${text}': expected '<metric> <op> <value>[%]' with op one of >=, >, <=, < ` +
        `and metric one of ${allowed()}`
    )
  }
  const metric = canonicalMetric(m[1])
  if (!metric) throw new Error(`unknown metric '${m[1]}' in target '${text}' (allowed: ${allowed()})`)
  let value = Number(m[3])
  if (m[4] === '%') value /= 100
  // Every metric here is a ratio; "precision >= 95.3" almost surely meant a percentage.
  if (value < 0 || value > 1) {
    throw new Error(`target '${text}': ${metric} is a fraction in [0, 1]; write e.g. '${m[1]} ${m[2]} ${m[3]}%'`)
  }
  return { metric, op: OPS[m[2]], value, text: text.trim() }
}

const targetObjectSchema = z.object({
  metric: z.string(),
  op: targetOpSchema,
  value: z.number(),
  text: z.string().optional()
})

/** Accepts "recall >= 87.1%" or {metric, op, value[, text]}; yields a checked Target. */
export const targetSchema = z.union([z.string(), targetObjectSchema]).transform((t, ctx): Target => {
  try {
    return normaliseTarget(t)
  } catch (e) {
    ctx.addIssue({ code: 'custom', message: (e as Error).message })
    return z.NEVER
  }
})

function normaliseTarget(t: string | { metric: string; op: TargetOp; value: number; text?: string }): Target {
  if (typeof t === 'string') return parseTarget(t)
  const metric = canonicalMetric(t.metric)
  if (!metric) throw new Error(`unknown metric '${t.metric}' in target (allowed: ${allowed()})`)
  if (!Number.isFinite(t.value)) throw new Error(`target for '${t.metric}' has no finite value`)
  return { metric, op: t.op, value: t.value, text: t.text ?? `${metric} ${t.op} ${t.value}` }
}

function compare(actual: number, op: TargetOp, value: number): boolean {
  switch (op) {
    case '>=':
      return actual >= value
    case '>':
      return actual > value
    case '<=':
      return actual <= value
    case '<':
      return actual < value
  }
}

export function checkTargets(
  report: Record<string, number> | EvalReport,
  targets: (string | Target)[]
): TargetResult[] {
  const values = report as unknown as Record<string, unknown>
  return targets.map((t) => {
    const target = normaliseTarget(t)
    const raw = values[target.metric]
    const actual = typeof raw === 'number' && Number.isFinite(raw) ? raw : null
    return { ...target, actual, met: actual !== null && compare(actual, target.op, target.value) }
  })
}

/**
 * The registry of built-in scenario generators (DESIGN.md section 4). Each entry carries its
 * params schema so every front door (UI, CLI, experiment files) validates the same way and gets
 * errors that name the offending field. Adding a scenario = adding one entry to `scenarios`.
 */

import { z } from 'zod'
import type { LabelledSeries } from './series'
import { generateHeliosDetection, HELIOS_DETECTION_DEFAULTS } from './helios-detection'

export interface ScenarioDefinition<S extends z.ZodType = z.ZodType> {
  id: string
  title: string
  /** The seed document number it reproduces, e.g. '002'. */
  seed: string
  description: string
  defaults: Readonly<Record<string, unknown>>
  paramsSchema: S
  /** `params` is validated with paramsSchema; unknown fields are rejected. */
  generate(params: Record<string, unknown>): LabelledSeries
}

const heliosDetectionParams = z
  .object({
    days: z.number().positive().max(3650).default(HELIOS_DETECTION_DEFAULTS.days),
    intervalMinutes: z.number().positive().max(1440).default(HELIOS_DETECTION_DEFAULTS.intervalMinutes),
    seed: z.number().int().default(HELIOS_DETECTION_DEFAULTS.seed),
    anomalyRate: z.number().min(0).max(0.5).default(HELIOS_DETECTION_DEFAULTS.anomalyRate),
    start: z.iso.datetime({ offset: true }).default(HELIOS_DETECTION_DEFAULTS.start)
  })
  .strict()

function defineScenario<S extends z.ZodType>(
  def: Omit<ScenarioDefinition<S>, 'generate'> & { run(params: z.output<S>): LabelledSeries }
): ScenarioDefinition<S> {
  const { run, ...rest } = def
  return {
    ...rest,
    generate(params: Record<string, unknown>): LabelledSeries {
      return run(parseParams(rest.id, rest.paramsSchema, params))
    }
  }
}

function parseParams<S extends z.ZodType>(id: string, schema: S, params: unknown): z.output<S> {
  const r = schema.safeParse(params ?? {})
  if (r.success) return r.data
  const problems = r.error.issues.map((i) => {
    const field = i.path.length > 0 ? i.path.join('.') : '(params)'
    return `${field}: ${i.message}`
  })
  throw new Error(`invalid params for scenario '${id}': ${problems.join('; ')}`)
}

export const scenarios = {
  'helios-detection': defineScenario({
    id: 'helios-detection',
    title: 'Helios detection metrics (5-min service KPIs)',
    seed: '002',
    description:
      '5-minute service metrics with business-hours traffic (~1000 events on weekdays 9-17, ' +
      '150-300 otherwise), error rate 0.1-2 %, p99 latency 100-150 ms; ~5 % anomalies in five ' +
      'equal patterns (high error rate, latency spike, traffic spike, traffic drop, combined); ' +
      '12 causal engineered features. Isolation Forest target: precision >= 95.3 %, ' +
      'recall >= 87.1 %, FPR <= 11.8 %.',
    defaults: HELIOS_DETECTION_DEFAULTS,
    paramsSchema: heliosDetectionParams,
    run: (p) => generateHeliosDetection(p)
  })
} satisfies Record<string, ScenarioDefinition>

export type ScenarioId = keyof typeof scenarios

export function scenarioIds(): string[] {
  return Object.keys(scenarios)
}

export function getScenario(id: string): ScenarioDefinition {
  if (!Object.hasOwn(scenarios, id)) {
    throw new Error(`unknown scenario '${id}' (known: ${scenarioIds().join(', ')})`)
  }
  return scenarios[id as ScenarioId]
}

export function generateScenario(id: string, params: unknown): LabelledSeries {
  const scenario = getScenario(id)
  if (params !== undefined && params !== null && (typeof params !== 'object' || Array.isArray(params))) {
    throw new Error(`invalid params for scenario '${id}': expected an object`)
  }
  return scenario.generate((params ?? {}) as Record<string, unknown>)
}

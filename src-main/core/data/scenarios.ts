/**
 * The registry of built-in scenario generators (DESIGN.md section 4). Each entry carries its
 * params schema so every front door (UI, CLI, experiment files) validates the same way and gets
 * errors that name the offending field. Adding a scenario = adding one entry to `scenarios`.
 */

import { z } from 'zod'
import type { LabelledSeries } from './series'
import { generateHeliosDetection, HELIOS_DETECTION_DEFAULTS } from './helios-detection'
import { generateHeliosEvents, HELIOS_EVENTS_DEFAULTS } from './helios-events'
import { generateHealthWearable, HEALTH_WEARABLE_DEFAULTS } from './health-wearable'
import { generateDwcpNetwork, DWCP_NETWORK_DEFAULTS } from './dwcp-network'
import { generateBusinessRisk, BUSINESS_RISK_DEFAULTS } from './business-risk'

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

/** `scale` multiplies each generator's size parameter; capped so a typo cannot exhaust memory. */
const scale = z.number().positive().max(100).default(1)

const heliosEventsParams = z
  .object({
    hours: z.number().positive().max(100_000).default(HELIOS_EVENTS_DEFAULTS.hours),
    seed: z.number().int().default(HELIOS_EVENTS_DEFAULTS.seed),
    anomalyRate: z.number().min(0).max(0.3).default(HELIOS_EVENTS_DEFAULTS.anomalyRate),
    start: z.iso.datetime({ offset: true }).default(HELIOS_EVENTS_DEFAULTS.start),
    scale
  })
  .strict()

const healthWearableParams = z
  .object({
    samples: z.number().int().min(1).max(10_000_000).default(HEALTH_WEARABLE_DEFAULTS.samples),
    seed: z.number().int().default(HEALTH_WEARABLE_DEFAULTS.seed),
    anomalyRate: z.number().min(0).max(0.3).default(HEALTH_WEARABLE_DEFAULTS.anomalyRate),
    start: z.iso.datetime({ offset: true }).default(HEALTH_WEARABLE_DEFAULTS.start),
    scale
  })
  .strict()

const dwcpNetworkParams = z
  .object({
    days: z.number().positive().max(3650).default(DWCP_NETWORK_DEFAULTS.days),
    seed: z.number().int().default(DWCP_NETWORK_DEFAULTS.seed),
    anomalyRate: z.number().min(0).max(0.3).default(DWCP_NETWORK_DEFAULTS.anomalyRate),
    start: z.iso.datetime({ offset: true }).default(DWCP_NETWORK_DEFAULTS.start),
    scale
  })
  .strict()

const businessRiskParams = z
  .object({
    businesses: z.number().int().min(1).max(1_000_000).default(BUSINESS_RISK_DEFAULTS.businesses),
    months: z.number().int().min(2).max(240).default(BUSINESS_RISK_DEFAULTS.months),
    seed: z.number().int().default(BUSINESS_RISK_DEFAULTS.seed),
    distressRate: z.number().min(0).max(0.6).default(BUSINESS_RISK_DEFAULTS.distressRate),
    start: z.iso.datetime({ offset: true }).default(BUSINESS_RISK_DEFAULTS.start),
    scale
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
  }),
  'helios-events': defineScenario({
    id: 'helios-events',
    title: 'Helios event pipeline (1-min, 8 metrics, 10,000 h)',
    seed: '000',
    description:
      '1-minute event-pipeline metrics (events/min, missing, duplicate, inconsistency and error ' +
      'rates, p95 latency, consumer lag, throughput) with daily and weekly traffic, 10,000 hours ' +
      '(600,000 rows) by default; ~2.5 % anomalous minutes: missing events (15-30 %, 15-45 min), ' +
      'latency spike (3-5x, 10-30 min), duplicate storm (5-15 %, 5-20 min), inconsistency spike ' +
      '(3-10 %, 10-40 min), traffic surge (3-5x, 20-60 min). LSTM classifier on 60-min windows; ' +
      'targets: accuracy > 95 %, precision > 90 %, recall > 85 %, AUC > 0.95, ONNX < 50 MB, ' +
      'inference < 100 ms on CPU.',
    defaults: HELIOS_EVENTS_DEFAULTS,
    paramsSchema: heliosEventsParams,
    run: (p) => generateHeliosEvents(p)
  }),
  'health-wearable': defineScenario({
    id: 'health-wearable',
    title: 'Health wearable (5-s heart rate and activity)',
    seed: '001',
    description:
      '5-second wearable samples (heartRate, steps, calories, distance, hour_sin, hour_cos, ' +
      'is_weekend), 25,000 by default, with sleep / rest / walk / exercise bouts; ~4 % anomalous: ' +
      'tachycardia at rest, bradycardia, arrhythmia, sensor flatline, activity mismatch. LSTM ' +
      'autoencoder on 60-step windows trained on normal windows; threshold = 95th percentile of ' +
      'reconstruction error (reported), score bands < 0.3 normal, 0.3-0.7 borderline, >= 0.7 ' +
      'alert; early stopping and LR reduction.',
    defaults: HEALTH_WEARABLE_DEFAULTS,
    paramsSchema: healthWearableParams,
    run: (p) => generateHealthWearable(p)
  }),
  'dwcp-network': defineScenario({
    id: 'dwcp-network',
    title: 'DWCP network node (1-min, 7 metrics)',
    seed: '003',
    description:
      '1-minute network and host metrics (bandwidth Mbps, latency ms, packet_loss %, jitter ms, ' +
      'cpu_usage %, memory_usage %, error_rate %), 7 days (10,080 rows) by default; ~3 % ' +
      'anomalous: congestion, packet-loss burst, CPU saturation, memory leak (slow ramp), error ' +
      'burst. Isolation Forest and LSTM autoencoder (window 10, encoding 32) trained on normal ' +
      'data; target: ONNX export with metadata and threshold.',
    defaults: DWCP_NETWORK_DEFAULTS,
    paramsSchema: dwcpNetworkParams,
    run: (p) => generateDwcpNetwork(p)
  }),
  'business-risk': defineScenario({
    id: 'business-risk',
    title: 'Business default risk (monthly panel, 10,000 businesses)',
    seed: '004',
    description:
      'Monthly panel of 10,000 businesses (8 industries x 1,250), 36 months each, 20 financial ' +
      'and market features with industry seasonality and a shared economic cycle; each business ' +
      'is a segment. ~30 % of businesses deteriorate (liquidity crunch, revenue collapse, ' +
      'leverage spiral) and default after their last row; labels mark the 12 months before ' +
      'default, targets risk_6m / risk_9m / risk_12m. LSTM + attention on 12-month windows; ' +
      'targets: accuracy >= 88 / 86 / 85 % (6 / 9 / 12 months), p95 latency < 150 ms, ONNX ' +
      'output matches the trained model.',
    defaults: BUSINESS_RISK_DEFAULTS,
    paramsSchema: businessRiskParams,
    run: (p) => generateBusinessRisk(p)
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

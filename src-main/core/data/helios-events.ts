/**
 * Seed 000 ("helios-events"): an event pipeline's health, one sample per minute, 8 metrics,
 * 10,000 hours (600,000 rows) by default, 2-3 % of rows anomalous in the seed's five types.
 *
 * Metrics (per minute; the seed names none, these are what an ingestion pipeline exports):
 *  0 events_per_min       events received in the minute (duplicates counted, missing ones not)
 *  1 missing_rate         fraction of expected events that never arrived (0-1)
 *  2 p95_latency_ms       95th percentile end-to-end delivery latency (ms)
 *  3 duplicate_rate       fraction of received events that are duplicates (0-1)
 *  4 inconsistency_rate   fraction of events failing schema / consistency checks (0-1)
 *  5 consumer_lag_s       how far the slowest consumer is behind, in seconds
 *  6 error_rate           fraction of events whose processing failed (0-1)
 *  7 throughput_mb_s      bytes ingested per second (MB/s, 1 MB = 10^6 bytes)
 *
 * Normal behaviour: traffic follows a daily curve (trough ~04:00 at ~20 % of the peak, peak
 * ~16:00 with an evening bump ~20:30 and a small lunch bump), a weekly one (Saturday 80 %,
 * Sunday 72 % of a weekday), a per-day level factor (±5 %), a slow growth trend (+12 % a year)
 * and AR(1) multiplicative drift plus counting noise; peak weekday traffic is ~12,000 events/min.
 * Timestamps are UTC and the curves are read in UTC (the pipeline's users share one time zone).
 * Quality rates (missing, duplicate, inconsistency, error) are log-normal AR(1) around small
 * levels (0.5 %, 0.2 %, 0.3 %, 0.2 %), clamped to a few percent, so that the anomaly levels
 * (>= 3 %) never overlap the normal ones by construction but sit close to the normal tail.
 * Latency and consumer lag rise with load; throughput = received events x a drifting mean event
 * size (~1.6 kB).
 *
 * Anomalies: episodes are drawn (type round-robin over a shuffled order, so all five appear in
 * equal numbers; duration uniform in the seed's range) until they cover round(anomalyRate x n)
 * rows, the last one trimmed towards its minimum duration to land close to the target; they are
 * placed at uniformly random non-overlapping positions (stars and bars) with >= 60 normal minutes
 * between them and before the first (the model's 60-minute window then always has clean
 * context). One magnitude per episode, with ±5 % per-minute jitter clamped to the seed's band:
 * - missing_events      missing_rate 15-30 %, received events drop accordingly; 15-45 min
 * - latency_spike       p95 latency x3-5 (lag follows, timeouts lift error_rate x1.5-3); 10-30 min
 * - duplicate_storm     duplicate_rate 5-15 %, events and throughput up by as much, error_rate
 *                       +0.3-1.5 points (the retries that cause the storm); 5-20 min
 * - inconsistency_spike inconsistency_rate 3-10 %, error_rate +0.1-0.5 points; 10-40 min
 * - traffic_surge       events x3-5 (throughput alike), latency x1.2-1.5, lag x2-6; 20-60 min
 * Secondary effects stop with the episode (no recovery tail), so every abnormal row is labelled.
 *
 * Performance: everything is written into preallocated typed arrays in two passes (normal
 * behaviour, then per-episode overrides); calendar terms come from a 1440-entry daily table and
 * integer arithmetic on the timestamp (no Date per row).
 */

import { createRng } from './rng'
import { planEpisodes, clamp } from './episodes'
import type { LabelledSeries } from './series'

export const HELIOS_EVENTS_COLUMNS: string[] = [
  'events_per_min',
  'missing_rate',
  'p95_latency_ms',
  'duplicate_rate',
  'inconsistency_rate',
  'consumer_lag_s',
  'error_rate',
  'throughput_mb_s'
]

export const HELIOS_EVENTS_ANOMALY_TYPES: string[] = [
  'missing_events',
  'latency_spike',
  'duplicate_storm',
  'inconsistency_spike',
  'traffic_surge'
]

/** Episode duration bounds in minutes, per type (seed 000). */
export const HELIOS_EVENTS_DURATIONS: ReadonlyArray<readonly [number, number]> = [
  [15, 45],
  [10, 30],
  [5, 20],
  [10, 40],
  [20, 60]
]

export interface HeliosEventsOptions {
  hours?: number
  seed?: number
  anomalyRate?: number
  start?: string
  /** Multiplies `hours`. */
  scale?: number
}

export const HELIOS_EVENTS_DEFAULTS = {
  hours: 10_000,
  seed: 0,
  anomalyRate: 0.025,
  start: '2024-01-01T00:00:00Z',
  scale: 1
} as const

const MS_PER_MINUTE = 60_000
const MS_PER_DAY = 86_400_000
const MINUTES_PER_YEAR = 525_960
/** Normal minutes kept before the first episode and between episodes: one model window. */
const GAP_MINUTES = 60
const PEAK_EVENTS = 12_000

/** Relative traffic by minute of day (UTC), ~0.2 at 04:00 to ~0.95 in the late afternoon. */
function dailyProfile(): Float64Array {
  const p = new Float64Array(1440)
  for (let m = 0; m < 1440; m++) {
    const h = m / 60
    p[m] =
      0.55 -
      0.35 * Math.cos((2 * Math.PI * (h - 4)) / 24) +
      0.1 * Math.exp(-((h - 20.5) ** 2) / 4) +
      0.05 * Math.exp(-((h - 12.5) ** 2) / 2)
  }
  return p
}

/** Sunday = 0 (as Date.getUTCDay). */
const WEEKLY = [0.72, 1, 1, 1, 1, 1, 0.8]

function checkOptions(o: Required<HeliosEventsOptions>): void {
  if (!(o.hours > 0) || !Number.isFinite(o.hours)) throw new Error(`hours must be > 0, got ${o.hours}`)
  if (!(o.scale > 0) || !Number.isFinite(o.scale)) throw new Error(`scale must be > 0, got ${o.scale}`)
  if (!(o.anomalyRate >= 0 && o.anomalyRate <= 0.3)) {
    throw new Error(`anomalyRate must be in [0, 0.3], got ${o.anomalyRate}`)
  }
  if (!Number.isFinite(Date.parse(o.start))) throw new Error(`start is not an ISO date: '${o.start}'`)
}

export function generateHeliosEvents(opts: HeliosEventsOptions = {}): LabelledSeries {
  const o: Required<HeliosEventsOptions> = {
    hours: opts.hours ?? HELIOS_EVENTS_DEFAULTS.hours,
    seed: opts.seed ?? HELIOS_EVENTS_DEFAULTS.seed,
    anomalyRate: opts.anomalyRate ?? HELIOS_EVENTS_DEFAULTS.anomalyRate,
    start: opts.start ?? HELIOS_EVENTS_DEFAULTS.start,
    scale: opts.scale ?? HELIOS_EVENTS_DEFAULTS.scale
  }
  checkOptions(o)
  const rng = createRng(o.seed)
  const n = Math.max(1, Math.round(o.hours * o.scale * 60))
  const t0 = Date.parse(o.start)

  const timestamps = new Float64Array(n)
  const events = new Float32Array(n)
  const missing = new Float32Array(n)
  const latency = new Float32Array(n)
  const duplicate = new Float32Array(n)
  const inconsistency = new Float32Array(n)
  const lag = new Float32Array(n)
  const errors = new Float32Array(n)
  const throughput = new Float32Array(n)

  // --- normal behaviour -----------------------------------------------------------------------
  const profile = dailyProfile()
  // AR(1) states: real pipelines wander slowly between minutes rather than jump.
  let trafficDrift = 0
  let missDrift = 0
  let dupDrift = 0
  let incDrift = 0
  let errDrift = 0
  let latDrift = 0
  let lagDrift = 0
  let sizeDrift = 0
  let dayIndex = Number.NaN
  let dayFactor = 1
  let weekly = 1
  for (let i = 0; i < n; i++) {
    const t = t0 + i * MS_PER_MINUTE
    timestamps[i] = t
    const day = Math.floor(t / MS_PER_DAY)
    if (day !== dayIndex) {
      dayIndex = day
      dayFactor = 1 + 0.05 * rng.normal()
      weekly = WEEKLY[(((day + 4) % 7) + 7) % 7] // 1970-01-01 was a Thursday
    }
    const minuteOfDay = Math.floor((t - day * MS_PER_DAY) / MS_PER_MINUTE)
    const load = profile[minuteOfDay] * weekly // 0.15 .. 1
    const trend = 1 + (0.12 * i) / MINUTES_PER_YEAR

    trafficDrift = 0.97 * trafficDrift + 0.012 * rng.normal()
    const expected = PEAK_EVENTS * load * dayFactor * trend * Math.exp(trafficDrift)

    missDrift = 0.95 * missDrift + 0.08 * rng.normal()
    const miss = clamp(0.005 * Math.exp(missDrift), 0.0005, 0.03)
    dupDrift = 0.95 * dupDrift + 0.08 * rng.normal()
    const dup = clamp(0.002 * Math.exp(dupDrift), 0.0002, 0.015)
    incDrift = 0.95 * incDrift + 0.08 * rng.normal()
    inconsistency[i] = clamp(0.003 * Math.exp(incDrift), 0.0003, 0.012)
    errDrift = 0.9 * errDrift + 0.1 * rng.normal()
    errors[i] = clamp(0.002 * (1 + 0.5 * load) * Math.exp(errDrift), 0.0002, 0.015)

    const received = Math.max(0, Math.round(expected * (1 - miss) * (1 + dup) + Math.sqrt(expected) * rng.normal()))
    events[i] = received
    missing[i] = miss
    duplicate[i] = dup

    latDrift = 0.95 * latDrift + 2 * rng.normal()
    latency[i] = Math.max(60, 150 + 70 * load + latDrift + 6 * rng.normal())
    lagDrift = 0.9 * lagDrift + 0.25 * rng.normal()
    lag[i] = Math.max(0.2, 1.5 + 4 * load + lagDrift + 0.3 * rng.normal())

    sizeDrift = 0.99 * sizeDrift + 0.004 * rng.normal()
    throughput[i] = (received * 1600 * (1 + sizeDrift)) / 60 / 1e6
  }

  // --- anomalies ------------------------------------------------------------------------------
  const labels = new Uint8Array(n)
  const anomalyType = new Uint8Array(n)
  const plan = planEpisodes(n, Math.round(o.anomalyRate * n), GAP_MINUTES, HELIOS_EVENTS_DURATIONS, rng)
  const between = (lo: number, hi: number): number => lo + (hi - lo) * rng.uniform()
  for (let e = 0; e < plan.start.length; e++) {
    const type = plan.type[e]
    const from = plan.start[e]
    const to = from + plan.length[e]
    // One magnitude per episode, jittered per minute within the seed's band.
    let lo = 0
    let hi = 0
    if (type === 1) [lo, hi] = [0.15, 0.3]
    else if (type === 2 || type === 5) [lo, hi] = [3, 5]
    else if (type === 3) [lo, hi] = [0.05, 0.15]
    else [lo, hi] = [0.03, 0.1]
    const level = between(lo, hi)
    const side1 = rng.uniform()
    const side2 = rng.uniform()
    for (let i = from; i < to; i++) {
      labels[i] = 1
      anomalyType[i] = type
      const v = clamp(level * (1 + 0.05 * rng.normal()), lo, hi)
      const before = events[i]
      if (type === 1) {
        events[i] = Math.round((before * (1 - v)) / (1 - missing[i]))
        missing[i] = v
      } else if (type === 2) {
        latency[i] *= v
        lag[i] *= 0.6 * v + 0.2 * v * side1
        errors[i] = Math.min(0.05, errors[i] * (1.5 + 1.5 * side2))
      } else if (type === 3) {
        events[i] = Math.round((before * (1 + v)) / (1 + duplicate[i]))
        duplicate[i] = v
        errors[i] += 0.003 + 0.012 * side1
      } else if (type === 4) {
        inconsistency[i] = v
        errors[i] += 0.001 + 0.004 * side1
      } else {
        events[i] = Math.round(before * v)
        latency[i] *= 1.2 + 0.3 * side1
        lag[i] *= 2 + 4 * side2
      }
      if (before > 0) throughput[i] *= events[i] / before
    }
  }

  return {
    name: `helios-events (hours=${o.hours}, scale=${o.scale}, seed=${o.seed})`,
    intervalMs: MS_PER_MINUTE,
    timestamps,
    columns: [...HELIOS_EVENTS_COLUMNS],
    values: [events, missing, latency, duplicate, inconsistency, lag, errors, throughput],
    labels,
    anomalyTypeNames: [...HELIOS_EVENTS_ANOMALY_TYPES],
    anomalyType
  }
}

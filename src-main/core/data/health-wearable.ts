/**
 * Seed 001 ("health-wearable"): a wrist wearable's 5-second samples, 25,000 by default
 * (~34.7 hours), 7 columns exactly as the seed's model consumes them.
 *
 * Columns (per 5-second sample):
 *  0 heartRate    beats per minute
 *  1 steps        steps counted in the 5 s (an integer)
 *  2 calories     kcal burned in the 5 s
 *  3 distance     metres covered in the 5 s
 *  4 hour_sin, 5 hour_cos   time of day on the unit circle
 *  6 is_weekend   1 on Saturday and Sunday
 * The seed's request example (steps 120, calories 45.5, distance 96) reads like a longer
 * aggregate; per 5-s sample deltas are what a 60-step (5-minute) autoencoder window can model
 * without a running counter's trend, so these are deltas. Timestamps are UTC and are read as the
 * wearer's local time. The default start (Friday 2024-01-05 12:00) makes the default run cover
 * a weekday afternoon, a night's sleep and a Saturday, so is_weekend takes both values.
 *
 * One wearer per seed (resting HR 58-70 bpm, stride 0.68-0.80 m, weight 60-90 kg). Activity is
 * a sequence of bouts; each bout's state is drawn from hour-dependent weights and lasts:
 *   sleep    23:00-07:00 (a nightly window with ±45 min jitter; bouts are the whole night),
 *            HR ~ resting - 8, no steps
 *   rest     sitting / desk, 5-60 min, HR ~ resting + 0-8, an occasional 1-3 step fidget
 *   light    household / slow moving, 2-15 min, HR ~ resting + 15-25, 40-70 steps/min
 *   walk     2-30 min, HR ~ resting + 25-40, 95-120 steps/min, stride x1
 *   exercise running, 15-50 min (most likely 06-09 and 17-20, more so on weekends),
 *            HR 130-165, 150-175 steps/min, stride x1.35
 * Heart rate approaches each bout's target exponentially (time constant ~30 s) with beat-level
 * noise; steps are the cadence x 5 s with counting noise; distance = steps x stride (±5 %);
 * calories = max(BMR, Keytel's HR formula) per minute / 12, so energy follows heart rate
 * (as wearables estimate it) and never falls below the basal rate.
 *
 * Anomalies (the seed names none; these are what wrist wearables flag or suffer), ~4 % of rows
 * by default, types round-robin so all appear, >= 60 normal samples (one window) between them:
 * - tachycardia_at_rest  wearer still (no steps), HR 120-160 bpm; 30 s - 5 min
 * - bradycardia          HR 35-45 bpm whatever the activity; 30 s - 3 min
 * - arrhythmia           irregular rhythm: HR jumps ±15-40 bpm sample to sample around the
 *                        current level; 20 s - 2 min
 * - sensor_flatline      loose strap / sensor fault: HR frozen at the last reading (exactly
 *                        constant), step counter stalls (0 steps, 0 m); 1-10 min
 * - activity_mismatch    walking-level steps (8-10 per 5 s) and distance while HR stays at the
 *                        resting level (device shaken or worn by someone else); 30 s - 5 min
 * calories are recomputed from the anomalous heart rate, as the device would.
 */

import { createRng, type Rng } from './rng'
import { planEpisodes } from './episodes'
import type { LabelledSeries } from './series'

export const HEALTH_WEARABLE_COLUMNS: string[] = [
  'heartRate',
  'steps',
  'calories',
  'distance',
  'hour_sin',
  'hour_cos',
  'is_weekend'
]

export const HEALTH_WEARABLE_ANOMALY_TYPES: string[] = [
  'tachycardia_at_rest',
  'bradycardia',
  'arrhythmia',
  'sensor_flatline',
  'activity_mismatch'
]

/** Episode duration bounds in 5-s samples, per type. */
export const HEALTH_WEARABLE_DURATIONS: ReadonlyArray<readonly [number, number]> = [
  [6, 60],
  [6, 36],
  [4, 24],
  [12, 120],
  [6, 60]
]

export interface HealthWearableOptions {
  samples?: number
  seed?: number
  anomalyRate?: number
  start?: string
  /** Multiplies `samples`. */
  scale?: number
}

export const HEALTH_WEARABLE_DEFAULTS = {
  samples: 25_000,
  seed: 1,
  anomalyRate: 0.04,
  start: '2024-01-05T12:00:00Z',
  scale: 1
} as const

const INTERVAL_MS = 5_000
const MS_PER_DAY = 86_400_000
const GAP_SAMPLES = 60

// Activity states.
const SLEEP = 0
const REST = 1
const LIGHT = 2
const WALK = 3
const EXERCISE = 4

function checkOptions(o: Required<HealthWearableOptions>): void {
  if (!(o.samples >= 1) || !Number.isFinite(o.samples)) throw new Error(`samples must be >= 1, got ${o.samples}`)
  if (!(o.scale > 0) || !Number.isFinite(o.scale)) throw new Error(`scale must be > 0, got ${o.scale}`)
  if (!(o.anomalyRate >= 0 && o.anomalyRate <= 0.3)) {
    throw new Error(`anomalyRate must be in [0, 0.3], got ${o.anomalyRate}`)
  }
  if (!Number.isFinite(Date.parse(o.start))) throw new Error(`start is not an ISO date: '${o.start}'`)
}

/** Draws the next awake bout's state from time-of-day weights. */
function nextAwakeState(hour: number, weekend: boolean, rng: Rng): number {
  const morning = hour >= 6 && hour < 9
  const evening = hour >= 17 && hour < 20
  const exercise = (morning || evening ? 0.08 : 0.01) * (weekend ? 1.8 : 1)
  const walk = weekend ? 0.25 : hour >= 8 && hour < 9.5 ? 0.3 : 0.17
  const light = weekend ? 0.25 : 0.18
  const u = rng.uniform() * (exercise + walk + light + 0.55)
  if (u < exercise) return EXERCISE
  if (u < exercise + walk) return WALK
  if (u < exercise + walk + light) return LIGHT
  return REST
}

/** Keytel et al. (2005) energy expenditure from heart rate, kcal/min, floored at the basal rate. */
function kcalPerMinute(hr: number, weightKg: number, bmrPerMin: number): number {
  const keytel = (-55.0969 + 0.6309 * hr + 0.1988 * weightKg + 0.2017 * 35) / 4.184
  return Math.max(bmrPerMin, keytel)
}

export function generateHealthWearable(opts: HealthWearableOptions = {}): LabelledSeries {
  const o: Required<HealthWearableOptions> = {
    samples: opts.samples ?? HEALTH_WEARABLE_DEFAULTS.samples,
    seed: opts.seed ?? HEALTH_WEARABLE_DEFAULTS.seed,
    anomalyRate: opts.anomalyRate ?? HEALTH_WEARABLE_DEFAULTS.anomalyRate,
    start: opts.start ?? HEALTH_WEARABLE_DEFAULTS.start,
    scale: opts.scale ?? HEALTH_WEARABLE_DEFAULTS.scale
  }
  checkOptions(o)
  const rng = createRng(o.seed)
  const n = Math.max(1, Math.round(o.samples * o.scale))
  const t0 = Date.parse(o.start)

  // The wearer.
  const restingHr = 58 + 12 * rng.uniform()
  const stride = 0.68 + 0.12 * rng.uniform()
  const weightKg = 60 + 30 * rng.uniform()
  const bmrPerMin = (22 * weightKg) / 1440 // ~22 kcal/kg/day

  const timestamps = new Float64Array(n)
  const hr = new Float32Array(n)
  const steps = new Float32Array(n)
  const calories = new Float32Array(n)
  const distance = new Float32Array(n)
  const hourSin = new Float32Array(n)
  const hourCos = new Float32Array(n)
  const weekendCol = new Float32Array(n)

  // --- normal behaviour -----------------------------------------------------------------------
  let state = REST
  let boutLeft = 0
  let target = restingHr
  let cadence = 0 // steps per minute
  let strideFactor = 1
  let heart = restingHr
  let hrDrift = 0
  let sleepStart = 23
  let sleepEnd = 7
  let night = Number.NaN
  const alpha = 1 - Math.exp(-5 / 30) // 30-s time constant per 5-s sample
  for (let i = 0; i < n; i++) {
    const t = t0 + i * INTERVAL_MS
    timestamps[i] = t
    const day = Math.floor(t / MS_PER_DAY)
    const hour = (t - day * MS_PER_DAY) / 3_600_000
    const dow = (((day + 4) % 7) + 7) % 7 // 1970-01-01 was a Thursday
    const weekend = dow === 0 || dow === 6
    const angle = (2 * Math.PI * hour) / 24
    hourSin[i] = Math.sin(angle)
    hourCos[i] = Math.cos(angle)
    weekendCol[i] = weekend ? 1 : 0

    // A fresh bedtime and wake time every day, drawn at noon (weekends sleep in by ~1 h).
    if (day !== night && hour >= 12) {
      night = day
      sleepStart = 23 + 0.75 * (2 * rng.uniform() - 1)
      sleepEnd = 7 + 0.75 * (2 * rng.uniform() - 1) + (dow === 5 || dow === 6 ? 1 : 0)
    }
    const asleepTime = hour >= sleepStart || hour < sleepEnd
    if (asleepTime && state !== SLEEP) {
      state = SLEEP
      target = restingHr - 8
      cadence = 0
      boutLeft = 0
    } else if (!asleepTime && (state === SLEEP || boutLeft <= 0)) {
      state = nextAwakeState(hour, weekend, rng)
      if (state === REST) {
        boutLeft = rng.int(60, 720)
        target = restingHr + 8 * rng.uniform()
        cadence = 0
      } else if (state === LIGHT) {
        boutLeft = rng.int(24, 180)
        target = restingHr + 15 + 10 * rng.uniform()
        cadence = 40 + 30 * rng.uniform()
        strideFactor = 0.8
      } else if (state === WALK) {
        boutLeft = rng.int(24, 360)
        target = restingHr + 25 + 15 * rng.uniform()
        cadence = 95 + 25 * rng.uniform()
        strideFactor = 1
      } else {
        boutLeft = rng.int(180, 600)
        target = 130 + 35 * rng.uniform()
        cadence = 150 + 25 * rng.uniform()
        strideFactor = 1.35
      }
    }
    boutLeft--

    hrDrift = 0.95 * hrDrift + 0.6 * rng.normal()
    heart += alpha * (target - heart)
    const h = Math.max(38, heart + hrDrift + 1.2 * rng.normal())
    hr[i] = h

    let st = 0
    if (cadence > 0) st = Math.max(0, Math.round((cadence * 5) / 60 + 0.8 * rng.normal()))
    else if (state === REST && rng.uniform() < 0.03) st = rng.int(1, 3)
    steps[i] = st
    distance[i] = st * stride * strideFactor * (1 + 0.05 * rng.normal())
    calories[i] = (kcalPerMinute(h, weightKg, bmrPerMin) / 12) * (1 + 0.03 * rng.normal())
  }

  // --- anomalies ------------------------------------------------------------------------------
  const labels = new Uint8Array(n)
  const anomalyType = new Uint8Array(n)
  const plan = planEpisodes(n, Math.round(o.anomalyRate * n), GAP_SAMPLES, HEALTH_WEARABLE_DURATIONS, rng)
  for (let e = 0; e < plan.start.length; e++) {
    const type = plan.type[e]
    const from = plan.start[e]
    const to = from + plan.length[e]
    const level = rng.uniform()
    const frozen = from > 0 ? hr[from - 1] : hr[from]
    for (let i = from; i < to; i++) {
      labels[i] = 1
      anomalyType[i] = type
      if (type === 1) {
        // Tachycardia at rest: a fast rhythm with the wearer still.
        hr[i] = Math.min(160, Math.max(120, 120 + 40 * level + 3 * rng.normal()))
        steps[i] = 0
        distance[i] = 0
      } else if (type === 2) {
        hr[i] = Math.min(45, Math.max(35, 35 + 10 * level + 1.5 * rng.normal()))
      } else if (type === 3) {
        const jump = (15 + 25 * rng.uniform()) * (rng.uniform() < 0.5 ? -1 : 1)
        hr[i] = Math.min(190, Math.max(40, hr[i] + jump))
      } else if (type === 4) {
        hr[i] = frozen
        steps[i] = 0
        distance[i] = 0
      } else {
        hr[i] = restingHr + 3 * rng.normal()
        const st = Math.max(8, Math.min(10, Math.round(8 + 2 * level + 0.7 * rng.normal())))
        steps[i] = st
        distance[i] = st * stride * (1 + 0.05 * rng.normal())
      }
      calories[i] = (kcalPerMinute(hr[i], weightKg, bmrPerMin) / 12) * (type === 4 ? 1 : 1 + 0.03 * rng.normal())
    }
  }

  return {
    name: `health-wearable (samples=${o.samples}, scale=${o.scale}, seed=${o.seed})`,
    intervalMs: INTERVAL_MS,
    timestamps,
    columns: [...HEALTH_WEARABLE_COLUMNS],
    values: [hr, steps, calories, distance, hourSin, hourCos, weekendCol],
    labels,
    anomalyTypeNames: [...HEALTH_WEARABLE_ANOMALY_TYPES],
    anomalyType
  }
}

/**
 * Seed 003 ("dwcp-network"): per-minute network and host metrics of a DWCP node, the 7 columns
 * of the seed's CSV, 7 days (10,080 rows: the seed asks for at least 10,000) by default.
 *
 * Columns (per minute), normal levels as in the seed's CSV example:
 *  0 bandwidth     Mbps carried by the link, ~100 (80-125 over the day)
 *  1 latency       ms round trip, ~10 (rises a little with load)
 *  2 packet_loss   %, ~0.01 (log-normal, 0.002-0.05)
 *  3 jitter        ms, ~1.1
 *  4 cpu_usage     %, ~45 (tracks load)
 *  5 memory_usage  %, ~58 (slow wander, a small GC sawtooth)
 *  6 error_rate    %, ~0.001 (log-normal)
 * Load follows a smooth daily curve (UTC, trough ~04:00, peak ~15:00, weekends 85 %), with AR(1)
 * drift on every metric so neighbouring minutes are correlated as real telemetry is.
 *
 * Anomalies (the seed names none; these are the incidents such a node sees), 3 % of rows by
 * default, types round-robin so all appear, >= 30 normal minutes between episodes and before
 * the first (covers the LSTM autoencoder's 10-step window with room to spare):
 * - congestion         bandwidth falls to 30-60 % (queues fill, TCP backs off), latency x3-8,
 *                      jitter x3-6, packet_loss 0.2-1 %; 10-45 min
 * - packet_loss_burst  packet_loss 1-10 %, jitter x1.5-3, error_rate x2-5; 2-15 min
 * - cpu_saturation     cpu_usage 92-100 %, latency x1.5-2.5, jitter x1.5-2; 5-30 min
 * - memory_leak        memory_usage ramps linearly from its level to 90-98 % over the episode,
 *                      then the process restarts (the next normal minute is back at baseline);
 *                      cpu +5-15 points (GC pressure); 30-90 min
 * - error_burst        error_rate 0.5-5 %, otherwise normal; 2-15 min
 */

import { createRng } from './rng'
import { planEpisodes, clamp } from './episodes'
import type { LabelledSeries } from './series'

export const DWCP_NETWORK_COLUMNS: string[] = [
  'bandwidth',
  'latency',
  'packet_loss',
  'jitter',
  'cpu_usage',
  'memory_usage',
  'error_rate'
]

export const DWCP_ANOMALY_TYPES: string[] = [
  'congestion',
  'packet_loss_burst',
  'cpu_saturation',
  'memory_leak',
  'error_burst'
]

/** Episode duration bounds in minutes, per type. */
export const DWCP_DURATIONS: ReadonlyArray<readonly [number, number]> = [
  [10, 45],
  [2, 15],
  [5, 30],
  [30, 90],
  [2, 15]
]

export interface DwcpNetworkOptions {
  days?: number
  seed?: number
  anomalyRate?: number
  start?: string
  /** Multiplies `days`. */
  scale?: number
}

export const DWCP_NETWORK_DEFAULTS = {
  days: 7,
  seed: 3,
  anomalyRate: 0.03,
  start: '2024-01-01T00:00:00Z',
  scale: 1
} as const

const MS_PER_MINUTE = 60_000
const MS_PER_DAY = 86_400_000
const GAP_MINUTES = 30

function checkOptions(o: Required<DwcpNetworkOptions>): void {
  if (!(o.days > 0) || !Number.isFinite(o.days)) throw new Error(`days must be > 0, got ${o.days}`)
  if (!(o.scale > 0) || !Number.isFinite(o.scale)) throw new Error(`scale must be > 0, got ${o.scale}`)
  if (!(o.anomalyRate >= 0 && o.anomalyRate <= 0.3)) {
    throw new Error(`anomalyRate must be in [0, 0.3], got ${o.anomalyRate}`)
  }
  if (!Number.isFinite(Date.parse(o.start))) throw new Error(`start is not an ISO date: '${o.start}'`)
}

export function generateDwcpNetwork(opts: DwcpNetworkOptions = {}): LabelledSeries {
  const o: Required<DwcpNetworkOptions> = {
    days: opts.days ?? DWCP_NETWORK_DEFAULTS.days,
    seed: opts.seed ?? DWCP_NETWORK_DEFAULTS.seed,
    anomalyRate: opts.anomalyRate ?? DWCP_NETWORK_DEFAULTS.anomalyRate,
    start: opts.start ?? DWCP_NETWORK_DEFAULTS.start,
    scale: opts.scale ?? DWCP_NETWORK_DEFAULTS.scale
  }
  checkOptions(o)
  const rng = createRng(o.seed)
  const n = Math.max(1, Math.round(o.days * o.scale * 1440))
  const t0 = Date.parse(o.start)

  const timestamps = new Float64Array(n)
  const bandwidth = new Float32Array(n)
  const latency = new Float32Array(n)
  const loss = new Float32Array(n)
  const jitter = new Float32Array(n)
  const cpu = new Float32Array(n)
  const memory = new Float32Array(n)
  const errors = new Float32Array(n)

  // --- normal behaviour -----------------------------------------------------------------------
  let bwDrift = 0
  let latDrift = 0
  let lossDrift = 0
  let jitDrift = 0
  let cpuDrift = 0
  let memDrift = 0
  let errDrift = 0
  let gcPhase = rng.int(0, 19)
  for (let i = 0; i < n; i++) {
    const t = t0 + i * MS_PER_MINUTE
    timestamps[i] = t
    const day = Math.floor(t / MS_PER_DAY)
    const hour = (t - day * MS_PER_DAY) / 3_600_000
    const dow = (((day + 4) % 7) + 7) % 7 // 1970-01-01 was a Thursday
    const weekly = dow === 0 || dow === 6 ? 0.85 : 1
    // 0.72 .. 1.16 around 1: the link averages ~100 Mbps.
    const load = (0.94 - 0.22 * Math.cos((2 * Math.PI * (hour - 3.5)) / 24)) * weekly

    bwDrift = 0.95 * bwDrift + 1.2 * rng.normal()
    bandwidth[i] = Math.max(1, 108 * load + bwDrift + 2 * rng.normal())
    latDrift = 0.9 * latDrift + 0.15 * rng.normal()
    latency[i] = Math.max(2, 8.5 + 1.8 * load + latDrift + 0.4 * rng.normal())
    lossDrift = 0.9 * lossDrift + 0.15 * rng.normal()
    loss[i] = clamp(0.01 * Math.exp(lossDrift + 0.2 * rng.normal()), 0.002, 0.05)
    jitDrift = 0.9 * jitDrift + 0.05 * rng.normal()
    jitter[i] = Math.max(0.2, 0.8 + 0.35 * load + jitDrift + 0.08 * rng.normal())
    cpuDrift = 0.95 * cpuDrift + 0.6 * rng.normal()
    cpu[i] = clamp(28 + 18 * load + cpuDrift + 1.2 * rng.normal(), 1, 85)
    // Memory: slow wander plus a 20-minute garbage-collection sawtooth of ~1.5 points.
    memDrift = 0.995 * memDrift + 0.1 * rng.normal()
    gcPhase = (gcPhase + 1) % 20
    memory[i] = clamp(57.2 + memDrift + 0.08 * gcPhase + 0.2 * rng.normal(), 30, 80)
    errDrift = 0.9 * errDrift + 0.12 * rng.normal()
    errors[i] = clamp(0.001 * Math.exp(errDrift + 0.15 * rng.normal()), 0.0002, 0.006)
  }

  // --- anomalies ------------------------------------------------------------------------------
  const labels = new Uint8Array(n)
  const anomalyType = new Uint8Array(n)
  const plan = planEpisodes(n, Math.round(o.anomalyRate * n), GAP_MINUTES, DWCP_DURATIONS, rng)
  const between = (lo: number, hi: number): number => lo + (hi - lo) * rng.uniform()
  for (let e = 0; e < plan.start.length; e++) {
    const type = plan.type[e]
    const from = plan.start[e]
    const len = plan.length[e]
    // Episode-level magnitudes (drawn once, jittered ±5 % per minute inside their band).
    const a = rng.uniform()
    const b = rng.uniform()
    const c = rng.uniform()
    const memStart = memory[from]
    const memPeak = between(90, 98)
    const jit = (x: number, lo: number, hi: number): number => clamp(x * (1 + 0.05 * rng.normal()), lo, hi)
    for (let j = 0; j < len; j++) {
      const i = from + j
      labels[i] = 1
      anomalyType[i] = type
      if (type === 1) {
        bandwidth[i] *= jit(0.3 + 0.3 * a, 0.3, 0.6)
        latency[i] *= jit(3 + 5 * b, 3, 8)
        jitter[i] *= jit(3 + 3 * c, 3, 6)
        loss[i] = jit(0.2 + 0.8 * a, 0.2, 1)
      } else if (type === 2) {
        loss[i] = jit(1 + 9 * a, 1, 10)
        jitter[i] *= 1.5 + 1.5 * b
        errors[i] *= 2 + 3 * c
      } else if (type === 3) {
        cpu[i] = jit(92 + 8 * a, 92, 100)
        latency[i] *= 1.5 + b
        jitter[i] *= 1.5 + 0.5 * c
      } else if (type === 4) {
        // Linear ramp from the level at onset to the peak at the episode's last minute.
        memory[i] = memStart + ((memPeak - memStart) * (j + 1)) / len + 0.2 * rng.normal()
        cpu[i] = Math.min(100, cpu[i] + 5 + 10 * a)
      } else {
        errors[i] = jit(0.5 + 4.5 * a, 0.5, 5)
      }
    }
  }

  return {
    name: `dwcp-network (days=${o.days}, scale=${o.scale}, seed=${o.seed})`,
    intervalMs: MS_PER_MINUTE,
    timestamps,
    columns: [...DWCP_NETWORK_COLUMNS],
    values: [bandwidth, latency, loss, jitter, cpu, memory, errors],
    labels,
    anomalyTypeNames: [...DWCP_ANOMALY_TYPES],
    anomalyType
  }
}

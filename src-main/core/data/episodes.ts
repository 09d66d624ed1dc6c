/** Anomaly episodes for the time-series generators: how many, how long, and where. */
import type { Rng } from './rng'

export interface EpisodePlan {
  start: Int32Array
  length: Int32Array
  /** 1-based anomaly type code. */
  type: Uint8Array
}

/**
 * Draws episodes (types round-robin over reshuffled orders, durations uniform per type within
 * `durations[type - 1]`) until they cover `target` rows, trims the last one towards its minimum,
 * and places them uniformly at random without overlap, with `gap` free rows before the first and
 * between consecutive ones (the gap shrinks if the series is too short for it).
 */
export function planEpisodes(
  n: number,
  target: number,
  gap: number,
  durations: ReadonlyArray<readonly [number, number]>,
  rng: Rng
): EpisodePlan {
  const types: number[] = []
  const lengths: number[] = []
  let covered = 0
  let order: number[] = []
  while (covered < target) {
    if (order.length === 0) order = rng.shuffle(Array.from({ length: durations.length }, (_, j) => j + 1))
    const t = order.pop()!
    const len = rng.int(durations[t - 1][0], durations[t - 1][1])
    types.push(t)
    lengths.push(len)
    covered += len
  }
  const k = types.length
  if (k > 0) {
    const cut = Math.min(covered - target, lengths[k - 1] - durations[types[k - 1] - 1][0])
    lengths[k - 1] -= cut
    covered -= cut
  }
  let g = gap
  let free = n - covered - g * k
  while (free < 0 && g > 0) {
    g--
    free = n - covered - g * k
  }
  if (free < 0) throw new Error(`cannot fit ${covered} anomalous rows into ${n} rows`)
  const s = Array.from(rng.sampleWithoutReplacement(free + k, k)).sort((a, b) => a - b)
  const plan: EpisodePlan = { start: new Int32Array(k), length: new Int32Array(k), type: new Uint8Array(k) }
  let offset = g
  for (let i = 0; i < k; i++) {
    plan.start[i] = offset + (s[i] - i)
    plan.length[i] = lengths[i]
    plan.type[i] = types[i]
    offset += lengths[i] + g
  }
  return plan
}

export function clamp(x: number, lo: number, hi: number): number {
  return x < lo ? lo : x > hi ? hi : x
}

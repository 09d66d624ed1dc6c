/**
 * A small seeded pseudo-random generator. Generators and models must give the same output for
 * the same seed on every machine and run, so nothing in core/ may use Math.random.
 *
 * sfc32 (Chris Doty-Humphrey's Small Fast Counting generator, 128-bit state) passes PractRand
 * far beyond what we draw, and its state is seeded through splitmix32 so that nearby seeds
 * (1, 2, 3 ...) still give unrelated streams.
 */

export interface Rng {
  /** Uniform in [0, 1), 32 bits of resolution. */
  uniform(): number
  /** Uniform integer in [lo, hi] (both inclusive). */
  int(lo: number, hi: number): number
  /** Standard normal (mean 0, sd 1) via Box-Muller. */
  normal(): number
  /** Fisher-Yates shuffle in place; returns the same array. */
  shuffle<T>(items: T[]): T[]
  /** k distinct indices from [0, n), in draw order. */
  sampleWithoutReplacement(n: number, k: number): Int32Array
}

/** splitmix32: turns any 32-bit seed into well-mixed words for the sfc32 state. */
function splitmix32(seed: number): () => number {
  let s = seed >>> 0
  return () => {
    s = (s + 0x9e3779b9) >>> 0
    let z = s
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0
    return (z ^ (z >>> 16)) >>> 0
  }
}

/**
 * Seeds may be any finite number; non-integers and values beyond 32 bits are folded in so that
 * e.g. 1 and 2**32 + 1 still differ.
 */
function foldSeed(seed: number): number {
  if (!Number.isFinite(seed)) throw new Error(`rng seed must be a finite number, got ${seed}`)
  const lo = seed >>> 0
  const hi = Math.floor(seed / 4294967296) >>> 0
  const frac = Math.floor((seed - Math.floor(seed)) * 4294967296) >>> 0
  return (lo ^ Math.imul(hi, 0x27d4eb2d) ^ Math.imul(frac, 0x165667b1)) >>> 0
}

export function createRng(seed: number): Rng {
  const mix = splitmix32(foldSeed(seed))
  let a = mix()
  let b = mix()
  let c = mix()
  let d = mix()

  const next32 = (): number => {
    const t = (((a + b) >>> 0) + d) >>> 0
    d = (d + 1) >>> 0
    a = b ^ (b >>> 9)
    b = (c + (c << 3)) >>> 0
    c = (c << 21) | (c >>> 11)
    c = (c + t) >>> 0
    return t
  }
  // Discard the first outputs: sfc32's author recommends warming the state up.
  for (let i = 0; i < 12; i++) next32()

  // Box-Muller yields two normals per draw; keep the spare so the stream stays cheap.
  let spare = 0
  let hasSpare = false

  const uniform = (): number => next32() / 4294967296

  const rng: Rng = {
    uniform,
    int(lo: number, hi: number): number {
      if (!Number.isInteger(lo) || !Number.isInteger(hi) || hi < lo) {
        throw new Error(`rng.int needs integers lo <= hi, got ${lo}, ${hi}`)
      }
      return lo + Math.floor(uniform() * (hi - lo + 1))
    },
    normal(): number {
      if (hasSpare) {
        hasSpare = false
        return spare
      }
      // 1 - uniform() is in (0, 1], so the log never sees 0.
      const u = 1 - uniform()
      const v = uniform()
      const r = Math.sqrt(-2 * Math.log(u))
      spare = r * Math.sin(2 * Math.PI * v)
      hasSpare = true
      return r * Math.cos(2 * Math.PI * v)
    },
    shuffle<T>(items: T[]): T[] {
      for (let i = items.length - 1; i > 0; i--) {
        const j = Math.floor(uniform() * (i + 1))
        const t = items[i]
        items[i] = items[j]
        items[j] = t
      }
      return items
    },
    sampleWithoutReplacement(n: number, k: number): Int32Array {
      if (!Number.isInteger(n) || !Number.isInteger(k) || k < 0 || k > n) {
        throw new Error(`cannot sample ${k} of ${n} without replacement`)
      }
      const out = new Int32Array(k)
      if (k * 4 < n) {
        // Few draws from many: rejection with a set avoids allocating n slots.
        const seen = new Set<number>()
        let m = 0
        while (m < k) {
          const j = Math.floor(uniform() * n)
          if (!seen.has(j)) {
            seen.add(j)
            out[m++] = j
          }
        }
        return out
      }
      // Partial Fisher-Yates over an index pool.
      const pool = new Int32Array(n)
      for (let i = 0; i < n; i++) pool[i] = i
      for (let i = 0; i < k; i++) {
        const j = i + Math.floor(uniform() * (n - i))
        const t = pool[i]
        pool[i] = pool[j]
        pool[j] = t
        out[i] = pool[i]
      }
      return out
    }
  }
  return rng
}

/**
 * Runs `fn` with `Math.random` drawing from a generator seeded with `seed`, restored afterwards.
 * Our own code never calls Math.random; TensorFlow.js does, wherever an op has no seed of its own
 * (dropout masks at every training step — a seeded dropout layer would draw the same mask every
 * step — and any unseeded initializer). Without this, two runs of one seeded spec trained on
 * different dropout masks and disagreed (ROC AUC 0.74 and 0.90 for seed-000's quick spec).
 */
export async function withSeededMathRandom<T>(seed: number, fn: () => Promise<T>): Promise<T> {
  const original = Math.random
  const rng = createRng(seed)
  Math.random = () => rng.uniform()
  try {
    return await fn()
  } finally {
    Math.random = original
  }
}

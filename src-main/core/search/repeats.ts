/**
 * Repeats: one result of a seeded model is one draw, not a result. `withRepeats(spec, n)` runs
 * every trial of a spec with `n` seeds (the spec's own seed, then the next ones), as a grid over
 * the model's `seed` param — each seed its own trial, with its own identity, so a repeat that
 * was run before is not run again. `seedSpread` summarises the metrics of each group of seeds.
 */
import type { ExperimentSpec } from './spec'
import { modelParamsSchemas } from './spec'
import { canonicalJson } from '../canonical-json'

export const MAX_REPEATS = 100

export function withRepeats(spec: ExperimentSpec, n: number): ExperimentSpec {
  if (!Number.isInteger(n) || n < 1 || n > MAX_REPEATS) throw new Error(`--repeat must be a whole number from 1 to ${MAX_REPEATS}, got ${n}`)
  if (n === 1) return spec
  const search = spec.search
  if (search && 'seed' in search.space) throw new Error(`${spec.name}: the search already varies 'seed'; --repeat would multiply it`)
  if (search?.kind === 'random') throw new Error(`${spec.name}: --repeat works with single runs and grids; a random search samples its own params (add 'seed' to a grid instead)`)
  const base = (modelParamsSchemas[spec.model.kind].parse(spec.model.params) as { seed: number }).seed
  const seeds = Array.from({ length: n }, (_, i) => base + i)
  return { ...spec, search: { kind: 'grid', order: 'grid', seed: 0, ...search, space: { ...(search?.space ?? {}), seed: seeds } } }
}

export interface MetricSpread {
  mean: number
  /** Sample standard deviation (n - 1); 0 for one value. */
  std: number
  min: number
  max: number
  n: number
}

export interface SeedGroup {
  /** The params every seed of the group shares (seed removed). */
  params: Record<string, unknown>
  seeds: number[]
  runIds: number[]
  metrics: Record<string, MetricSpread>
}

/** Groups finished trials by their params without the seed and summarises each metric. */
export function seedSpread(trials: { params: Record<string, unknown>; runId: number | null; metrics: Record<string, number> | null }[]): SeedGroup[] {
  const groups = new Map<string, { params: Record<string, unknown>; seeds: number[]; runIds: number[]; values: Map<string, number[]> }>()
  for (const t of trials) {
    if (!t.metrics || t.runId === null) continue
    const { seed, ...rest } = t.params
    const key = canonicalJson(rest)
    let g = groups.get(key)
    if (!g) groups.set(key, (g = { params: rest, seeds: [], runIds: [], values: new Map() }))
    g.seeds.push(seed as number)
    g.runIds.push(t.runId)
    for (const [k, v] of Object.entries(t.metrics)) {
      if (typeof v !== 'number' || !Number.isFinite(v)) continue
      let list = g.values.get(k)
      if (!list) g.values.set(k, (list = []))
      list.push(v)
    }
  }
  return [...groups.values()].map((g) => ({
    params: g.params,
    seeds: g.seeds,
    runIds: g.runIds,
    metrics: Object.fromEntries([...g.values.entries()].map(([k, vs]) => [k, spread(vs)]))
  }))
}

export function spread(values: number[]): MetricSpread {
  const n = values.length
  const mean = values.reduce((a, b) => a + b, 0) / n
  const std = n > 1 ? Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1)) : 0
  return { mean, std, min: Math.min(...values), max: Math.max(...values), n }
}

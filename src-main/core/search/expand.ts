/**
 * Expanding an experiment into trials. A trial's identity is a hash of its resolved params (with
 * every default filled in), the data it runs on (dataset version hashes and the split) and the
 * workbench version — so queueing the same search again finds the trials already done, and a
 * trial can never be queued twice (sweep tools lose or duplicate trials on resume; this cannot).
 */
import { createHash } from 'node:crypto'
import type { ExperimentSpec } from './spec'
import { modelParamsSchemas } from './spec'
import { createRng } from '../data/rng'

export interface TrialPlan {
  /** Position in the search's order (grid order, or the shuffled / sampled order). */
  ordinal: number
  /** Model params with every default resolved. */
  params: Record<string, unknown>
}

/** Stable JSON: object keys sorted at every depth. */
export function canonical(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v
  )
}

function resolveParams(spec: ExperimentSpec, overrides: Record<string, unknown>): Record<string, unknown> {
  return modelParamsSchemas[spec.model.kind].parse({ ...spec.model.params, ...overrides }) as Record<string, unknown>
}

/** Every trial of the spec, in run order, duplicates (same resolved params) removed. */
export function expandTrials(spec: ExperimentSpec): TrialPlan[] {
  const search = spec.search
  let combos: Record<string, unknown>[]
  if (!search) combos = [{}]
  else if (search.kind === 'grid') {
    combos = [{}]
    for (const [key, values] of Object.entries(search.space)) {
      const list = values as unknown[]
      combos = combos.flatMap((c) => list.map((v) => ({ ...c, [key]: v })))
    }
    if (search.order === 'shuffled') combos = createRng(search.seed).shuffle(combos)
  } else {
    const rng = createRng(search.seed)
    combos = []
    for (let t = 0; t < search.trials!; t++) {
      const c: Record<string, unknown> = {}
      for (const [key, dom] of Object.entries(search.space)) {
        if (Array.isArray(dom)) c[key] = dom[rng.int(0, dom.length - 1)]
        else {
          const u = rng.uniform()
          let v = dom.log ? Math.exp(Math.log(dom.min) + u * (Math.log(dom.max) - Math.log(dom.min))) : dom.min + u * (dom.max - dom.min)
          if (dom.int) v = Math.round(v)
          c[key] = v
        }
      }
      combos.push(c)
    }
  }
  const seen = new Set<string>()
  const out: TrialPlan[] = []
  for (const c of combos) {
    const params = resolveParams(spec, c)
    const key = canonical(params)
    if (seen.has(key)) continue
    seen.add(key)
    out.push({ ordinal: out.length, params })
  }
  return out
}

/** What a trial's data is: the dataset versions it reads and how the experiment splits them. */
export function dataIdentity(spec: ExperimentSpec, versions: { dataset: string; test?: string }): string {
  return canonical({ dataset: versions.dataset, test: versions.test ?? null, split: spec.split.kind === 'separate-test' ? 'separate-test' : spec.split })
}

export function trialIdentity(modelKind: string, params: Record<string, unknown>, data: string, workbenchVersion: string): string {
  return createHash('sha256').update(canonical({ modelKind, params, data, workbenchVersion })).digest('hex')
}

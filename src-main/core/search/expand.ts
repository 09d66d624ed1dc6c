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
import { canonicalJson } from '../canonical-json'

export interface TrialPlan {
  /** Position in the search's order (grid order, or the shuffled / sampled order). */
  ordinal: number
  /** Model params with every default resolved. */
  params: Record<string, unknown>
}

function resolveParams(spec: ExperimentSpec, overrides: Record<string, unknown>): Record<string, unknown> {
  return modelParamsSchemas[spec.model.kind].parse({ ...spec.model.params, ...overrides }) as Record<string, unknown>
}

/** How many trials a search names at most, counted without enumerating them (duplicates included). */
export function countTrials(spec: ExperimentSpec): number {
  const search = spec.search
  if (!search) return 1
  if (search.kind === 'random') return search.trials!
  return Object.values(search.space).reduce<number>((n, values) => n * (values as unknown[]).length, 1)
}

/** The default for the `maxTrialsPerSearch` setting: a search above it is refused before anything is queued. */
export const DEFAULT_MAX_TRIALS_PER_SEARCH = 10_000

/** Thrown for a search larger than the limit; `path` is the spec field to fix. */
export class SearchTooLargeError extends Error {
  readonly path = 'search'
  constructor(
    readonly trials: number,
    readonly limit: number
  ) {
    super(
      `search: ${trials.toLocaleString('en-US')} trials is more than the limit of ${limit.toLocaleString('en-US')} per search ` +
        `(the maxTrialsPerSearch setting): narrow the grid, or use a random search with fewer trials`
    )
    this.name = 'SearchTooLargeError'
  }
}

export function assertSearchSize(spec: ExperimentSpec, limit: number): number {
  const n = countTrials(spec)
  if (n > limit) throw new SearchTooLargeError(n, limit)
  return n
}

/** Grid point `index` in grid order (the last key varies fastest), decoded without enumerating. */
function gridPoint(space: [string, unknown[]][], index: number): Record<string, unknown> {
  const combo: Record<string, unknown> = {}
  for (let k = space.length - 1; k >= 0; k--) {
    const [key, values] = space[k]
    combo[key] = values[index % values.length]
    index = Math.floor(index / values.length)
  }
  return combo
}

/** The raw combinations of a search, in run order, one at a time. */
function* combos(spec: ExperimentSpec): Generator<Record<string, unknown>> {
  const search = spec.search
  if (!search) {
    yield {}
    return
  }
  if (search.kind === 'grid') {
    const space = Object.entries(search.space) as [string, unknown[]][]
    const n = countTrials(spec)
    if (search.order === 'shuffled') {
      // The same Fisher-Yates draws as shuffling the combinations themselves, over indices.
      const order = createRng(search.seed).shuffle(Array.from({ length: n }, (_, i) => i))
      for (const i of order) yield gridPoint(space, i)
    } else {
      for (let i = 0; i < n; i++) yield gridPoint(space, i)
    }
    return
  }
  const rng = createRng(search.seed)
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
    yield c
  }
}

/**
 * Every trial of the spec, in run order, duplicates (same resolved params) removed, produced one
 * at a time. Callers check `assertSearchSize` first: the duplicate filter remembers every trial.
 */
export function* iterateTrials(spec: ExperimentSpec): Generator<TrialPlan> {
  const seen = new Set<string>()
  let ordinal = 0
  for (const c of combos(spec)) {
    const params = resolveParams(spec, c)
    const key = canonicalJson(params)
    if (seen.has(key)) continue
    seen.add(key)
    yield { ordinal: ordinal++, params }
  }
}

/** Every trial of the spec as an array (see `iterateTrials`). */
export function expandTrials(spec: ExperimentSpec): TrialPlan[] {
  return [...iterateTrials(spec)]
}

/** What a trial's data is: the dataset versions it reads and how the experiment splits them. */
export function dataIdentity(spec: ExperimentSpec, versions: { dataset: string; test?: string; validation?: string }): string {
  const split = spec.split.kind === 'separate-test' ? { kind: 'separate-test', validationShare: spec.split.validationShare } : spec.split
  return canonicalJson({ dataset: versions.dataset, test: versions.test ?? null, ...(versions.validation ? { validation: versions.validation } : {}), split })
}

export function trialIdentity(modelKind: string, params: Record<string, unknown>, data: string, workbenchVersion: string): string {
  return createHash('sha256').update(canonicalJson({ modelKind, params, data, workbenchVersion })).digest('hex')
}

/**
 * The params of 2-4 runs side by side: every key any run has, each run's value, and whether they
 * differ. Values compare by their canonical JSON (key order ignored), so `{a:1,b:2}` equals
 * `{b:2,a:1}` and `[16, 8]` differs from `[8, 16]`.
 */
import { z } from 'zod'
import { canonicalJson } from '../canonical-json'

/** One param across the compared runs (the compare page's params table). */
export const paramDiffSchema = z.object({
  key: z.string(),
  /** One value per run, in the runs' order; null where the run has no such param (see `present`). */
  values: z.array(z.unknown()),
  present: z.array(z.boolean()),
  /** Not every run has the same value (or some lack the param). */
  differs: z.boolean()
})
export type ParamDiff = z.infer<typeof paramDiffSchema>

/**
 * @example diffParams([{ a: 1, b: 2 }, { a: 1, b: 3 }]) // [{ key: 'b', differs: true, … }, { key: 'a', differs: false, … }]
 */
export function diffParams(params: readonly Record<string, unknown>[]): ParamDiff[] {
  const keys = [...new Set(params.flatMap((p) => Object.keys(p)))].sort()
  const rows = keys.map((key) => {
    const present = params.map((p) => Object.prototype.hasOwnProperty.call(p, key))
    const values = params.map((p, i) => (present[i] ? p[key] : null))
    const texts = new Set(values.map((v, i) => (present[i] ? canonicalJson(v) : '\u0000missing')))
    return { key, values, present, differs: texts.size > 1 }
  })
  // The differing keys first (what the page highlights), each group alphabetical.
  return [...rows.filter((r) => r.differs), ...rows.filter((r) => !r.differs)]
}

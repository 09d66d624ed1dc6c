/**
 * The params of 2-4 runs side by side: every key any run has, each run's value, and whether they
 * differ. Values compare by their canonical JSON (key order ignored), so `{a:1,b:2}` equals
 * `{b:2,a:1}` and `[16, 8]` differs from `[8, 16]`.
 */
import { canonicalJson } from '../store/experiments-repo'

export interface ParamDiffRow {
  key: string
  /** One per run; null where the run lacks the key (see `present`). */
  values: unknown[]
  present: boolean[]
  differs: boolean
}

/**
 * @example diffParams([{ a: 1, b: 2 }, { a: 1, b: 3 }]) // [{ key: 'b', differs: true, … }, { key: 'a', differs: false, … }]
 */
export function diffParams(params: readonly Record<string, unknown>[]): ParamDiffRow[] {
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

/**
 * Stable JSON: object keys sorted at every depth, so the same value written in another key order
 * gives the same text (and hash). Trial identities, spec hashes and param diffs all compare this.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v
  )
}

/**
 * The command palette's matching: fuzzy (the query's letters in order, not necessarily adjacent),
 * every word of the query on its own, ranked so that whole words, word starts and runs of
 * adjacent letters come first. Pure; the palette component builds the items from the stores.
 */

export interface PaletteEntry {
  /** What the row says (runs: "Run 12 · experiment name"). */
  label: string
  /** More text matched but not shown (model kind, status, ids…). */
  keywords?: string
}

/**
 * How well `query` (one word, lower case) matches `text`: null when its letters are not all in
 * `text` in order; higher is better.
 * @example fuzzyScore('det', 'helios-detection') !== null // true
 * @example fuzzyScore('xyz', 'helios-detection') // null
 */
export function fuzzyScore(query: string, text: string): number | null {
  const t = text.toLowerCase()
  if (!query) return 0
  const at = t.indexOf(query)
  if (at >= 0) {
    // A substring: best at a word start, then the earlier the better.
    const wordStart = at === 0 || /[^a-z0-9]/.test(t[at - 1]!)
    return 1000 + (wordStart ? 500 : 0) - Math.min(at, 200) + query.length * 10
  }
  let score = 0
  let from = 0
  let prev = -2
  for (const ch of query) {
    const i = t.indexOf(ch, from)
    if (i < 0) return null
    if (i === prev + 1) score += 15
    else if (i === 0 || /[^a-z0-9]/.test(t[i - 1]!)) score += 10
    else score += 1
    prev = i
    from = i + 1
  }
  return score
}

/**
 * The entries matching every word of `query`, best first (ties keep their order); all of them,
 * in order, when the query is empty. At most `limit`.
 */
export function matchEntries<T extends PaletteEntry>(query: string, entries: readonly T[], limit = 50): T[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean)
  if (words.length === 0) return entries.slice(0, limit)
  const scored: { entry: T; score: number; order: number }[] = []
  entries.forEach((entry, order) => {
    const text = entry.keywords ? `${entry.label} ${entry.keywords}` : entry.label
    let score = 0
    for (const w of words) {
      // The label counts more than the keywords.
      const s = Math.max(fuzzyScore(w, entry.label) ?? -Infinity, (fuzzyScore(w, text) ?? -Infinity) - 100)
      if (s === -Infinity) return
      score += s
    }
    scored.push({ entry, score, order })
  })
  return scored
    .sort((a, b) => b.score - a.score || a.order - b.order)
    .slice(0, limit)
    .map((s) => s.entry)
}

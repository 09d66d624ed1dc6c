/**
 * The workbench's keyboard shortcuts: what each does, the keys (a sequence such as `g r`, or a
 * chord with Mod = Ctrl, or ⌘ on macOS), and the matching of key presses against them. Pure: the
 * help overlay lists this table and the palette shows the keys beside each action.
 */

export type ActionId =
  | 'palette'
  | 'help'
  | 'go-runs'
  | 'go-datasets'
  | 'go-experiments'
  | 'go-queue'
  | 'go-bundles'
  | 'go-settings'
  | 'focus-filter'
  | 'refresh'
  | 'toggle-theme'
  | 'queue-search'

export interface Action {
  id: ActionId
  /** What the palette and the help overlay call it. */
  label: string
  /** Key sequence, one entry per press (`Mod+k` is one press); empty for palette-only actions. */
  keys: readonly string[]
}

export const ACTIONS: readonly Action[] = [
  { id: 'palette', label: 'Open the command palette', keys: ['Mod+k'] },
  { id: 'help', label: 'Show keyboard shortcuts', keys: ['?'] },
  { id: 'go-runs', label: 'Go to Runs', keys: ['g', 'r'] },
  { id: 'go-datasets', label: 'Go to Datasets', keys: ['g', 'd'] },
  { id: 'go-experiments', label: 'Go to Experiments', keys: ['g', 'e'] },
  { id: 'go-queue', label: 'Go to Queue', keys: ['g', 'q'] },
  { id: 'go-bundles', label: 'Go to Bundles', keys: ['g', 'b'] },
  { id: 'go-settings', label: 'Open Settings', keys: ['g', 's'] },
  { id: 'focus-filter', label: 'Focus the filter of this page', keys: ['/'] },
  { id: 'refresh', label: 'Refresh the lists', keys: ['Shift+R'] },
  { id: 'toggle-theme', label: 'Toggle light / dark theme', keys: ['Shift+T'] },
  { id: 'queue-search', label: 'Queue a search…', keys: [] }
]

/** How a key press is written in `keys`: `Mod+` for Ctrl/⌘, `Shift+` only for letters. */
export function keyName(e: { key: string; ctrlKey: boolean; metaKey: boolean; altKey: boolean; shiftKey: boolean }): string {
  const key = e.key.length === 1 ? e.key.toLowerCase() : e.key
  const letter = /^[a-z]$/.test(key)
  return `${e.ctrlKey || e.metaKey ? 'Mod+' : ''}${e.altKey ? 'Alt+' : ''}${letter && e.shiftKey ? 'Shift+' : ''}${letter && e.shiftKey ? key.toUpperCase() : key}`
}

/**
 * One key press against the table, given the presses pending (the start of a sequence): the
 * action it completes, or the presses now pending (empty when nothing starts with them).
 * @example matchKey([], 'g') // { action: null, pending: ["g"] }
 * @example matchKey(['g'], 'r') // { action: "go-runs", pending: [] }
 * @example matchKey(['g'], 'x') // { action: null, pending: [] }
 */
export function matchKey(pending: readonly string[], key: string, actions: readonly Action[] = ACTIONS): { action: ActionId | null; pending: string[] } {
  const seq = [...pending, key]
  const starts = (a: Action) => a.keys.length >= seq.length && seq.every((k, i) => a.keys[i] === k)
  const exact = actions.find((a) => a.keys.length === seq.length && starts(a))
  if (exact) return { action: exact.id, pending: [] }
  if (actions.some(starts)) return { action: null, pending: seq }
  // A new sequence may start on this key (g x g r): try it alone.
  return pending.length ? matchKey([], key, actions) : { action: null, pending: [] }
}

/**
 * A key as the help overlay shows it: `Mod` as ⌘ on macOS, Ctrl elsewhere.
 * @example keyLabel('Mod+k', false) // "Ctrl+K"
 * @example keyLabel('Mod+k', true) // "⌘K"
 */
export function keyLabel(key: string, mac: boolean): string {
  const chord = /^Mod\+(.+)$/.exec(key)
  return chord ? `${mac ? '⌘' : 'Ctrl+'}${chord[1]!.toUpperCase()}` : key
}

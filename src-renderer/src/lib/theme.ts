/**
 * The colour theme the user picked and the one shown: "system" follows the operating system's
 * prefers-color-scheme. Pure (unit-tested in Node); state/theme.svelte.ts applies it to the page.
 */
const CHOICES = ['light', 'dark', 'system'] as const
export type ThemeChoice = (typeof CHOICES)[number]
export type ResolvedTheme = Exclude<ThemeChoice, 'system'>

/** The labels the Settings control and the palette show, in cycling order. */
export const THEME_CHOICES: readonly { value: ThemeChoice; label: string }[] = [
  { value: 'system', label: 'Follow the system' },
  { value: 'light', label: 'Light' },
  { value: 'dark', label: 'Dark' }
]

/**
 * The theme shown for a choice, given whether the system prefers dark.
 * @example resolveTheme('system', true) // "dark"
 * @example resolveTheme('light', true) // "light"
 */
export function resolveTheme(choice: ThemeChoice, systemDark: boolean): ResolvedTheme {
  if (choice === 'system') return systemDark ? 'dark' : 'light'
  return choice
}

/**
 * A stored choice read back; anything unknown (nothing stored, an old value) follows the system.
 * @example parseThemeChoice('dark') // "dark"
 * @example parseThemeChoice('sepia') // "system"
 */
export function parseThemeChoice(stored: string | null): ThemeChoice {
  return CHOICES.find((c) => c === stored) ?? 'system'
}

/**
 * The quick toggle's choice: the opposite of what is shown now, pinned (it leaves "system").
 * @example toggledTheme('dark') // "light"
 */
export function toggledTheme(shown: ResolvedTheme): ResolvedTheme {
  return shown === 'dark' ? 'light' : 'dark'
}

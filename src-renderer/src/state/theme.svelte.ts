/**
 * The page's colour theme: the user's choice (remembered in localStorage, i.e. per browser profile
 * or per Electron user-data folder), the system's preference followed live, `data-theme` on <html>
 * (app.css swaps its custom properties on it), and the chart colours read back from those
 * properties so charts (drawn on canvas, where CSS does not reach) follow the theme too.
 */
import { parseThemeChoice, resolveTheme, toggledTheme, type ResolvedTheme, type ThemeChoice } from '../lib/theme'

const STORAGE_KEY = 'workbench.theme'
/** How many `--series-N` colours app.css defines. */
const SERIES_COUNT = 10

/** The colours a chart draws with, from app.css's custom properties of the theme shown. */
export interface ChartColours {
  text: string
  grid: string
  ink: string
  faint: string
  chance: string
  accent: string
  anomaly: string
  normal: string
  good: string
  flag: string
  score: string
  heatZero: string
  /** The categorical palette (`--series-0`…`--series-9`). */
  series: string[]
}

function readChartColours(): ChartColours {
  const css = getComputedStyle(document.documentElement)
  const v = (name: string) => css.getPropertyValue(name).trim()
  return {
    text: v('--chart-text'),
    grid: v('--chart-grid'),
    ink: v('--chart-ink'),
    faint: v('--chart-faint'),
    chance: v('--chart-chance'),
    accent: v('--accent'),
    anomaly: v('--bad'),
    normal: v('--chart-normal'),
    good: v('--good'),
    flag: v('--flag'),
    score: v('--score'),
    heatZero: v('--heat-zero'),
    series: Array.from({ length: SERIES_COUNT }, (_, i) => v(`--series-${i}`))
  }
}

function stored(): string | null {
  try {
    return localStorage.getItem(STORAGE_KEY)
  } catch {
    return null // storage disabled: the choice lasts for the page
  }
}

export class ThemeStore {
  choice = $state<ThemeChoice>(parseThemeChoice(stored()))
  systemDark = $state(false)
  readonly resolved: ResolvedTheme = $derived(resolveTheme(this.choice, this.systemDark))
  /** Replaced (never mutated) whenever the theme shown changes: charts rebuild on it. */
  chart = $state.raw<ChartColours>(readChartColours())

  constructor() {
    const query = matchMedia('(prefers-color-scheme: dark)')
    this.systemDark = query.matches
    query.addEventListener('change', (e) => {
      this.systemDark = e.matches
      this.apply()
    })
    this.apply()
  }

  set(choice: ThemeChoice): void {
    this.choice = choice
    try {
      localStorage.setItem(STORAGE_KEY, choice)
    } catch {
      // storage disabled: keep the choice for this page only
    }
    this.apply()
  }

  /** The top bar's quick toggle: the other of light and dark. */
  toggle(): void {
    this.set(toggledTheme(this.resolved))
  }

  private apply(): void {
    const root = document.documentElement
    if (root.dataset.theme === this.resolved) return
    root.dataset.theme = this.resolved
    this.chart = readChartColours()
  }
}

/** One per page: the theme is the browser profile's, not a workspace's. */
export const theme = new ThemeStore()

/**
 * chart.js, tree-shaken: register only the pieces the workbench draws (line and bar charts on
 * linear / log scales, tooltips, legend). Imported by ChartCanvas, so it runs once.
 */
import {
  BarController,
  BarElement,
  Chart,
  Filler,
  Legend,
  LineController,
  LineElement,
  LinearScale,
  LogarithmicScale,
  PointElement,
  Tooltip
} from 'chart.js'
import { theme, type ChartColours } from '../../state/theme.svelte'

Chart.register(LineController, LineElement, PointElement, BarController, BarElement, LinearScale, LogarithmicScale, Filler, Legend, Tooltip)

Chart.defaults.font.family = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"
Chart.defaults.font.size = 11
Chart.defaults.animation = false
Chart.defaults.maintainAspectRatio = false
Chart.defaults.responsive = true

/**
 * The theme's chart colours (app.css custom properties). Read inside a `$derived`, it makes the
 * options follow the theme; ChartCanvas rebuilds its chart when they change.
 */
export function chartColours(): ChartColours {
  return theme.chart
}

/** The i-th categorical colour (a run, a metric, a parameter value), cycling. */
export function seriesColour(i: number): string {
  const s = theme.chart.series
  return s[i % s.length]!
}

/**
 * The i-th column of a dataset: the categorical colours without red, which the dataset charts
 * keep for anomalies.
 */
export function columnColour(i: number): string {
  const s = theme.chart.series.filter((_, k) => k !== 1)
  return s[i % s.length]!
}

/** chart.js's own defaults (tick and legend text, axis lines) for the theme shown. */
export function applyChartDefaults(c: ChartColours): void {
  Chart.defaults.color = c.text
  Chart.defaults.borderColor = c.grid
}

export { Chart }

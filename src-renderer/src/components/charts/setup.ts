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

Chart.register(LineController, LineElement, PointElement, BarController, BarElement, LinearScale, LogarithmicScale, Filler, Legend, Tooltip)

Chart.defaults.font.family = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"
Chart.defaults.font.size = 11
Chart.defaults.color = '#4a5363'
Chart.defaults.borderColor = '#e3e6eb'
Chart.defaults.animation = false
Chart.defaults.maintainAspectRatio = false
Chart.defaults.responsive = true

export const ACCENT = '#2563c9'
export const ANOMALY = '#c0262d'
export const NORMAL = '#6b7a90'
export const GRID = '#eceef2'

export { Chart }

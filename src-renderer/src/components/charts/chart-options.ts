/**
 * Option pieces several charts share, so the charts read and behave alike: the legend below a
 * chart, the line charts' common options, a training history's x axis, and a histogram's tooltip
 * and log-scale ticks.
 */
import type { ChartOptions, TooltipItem } from 'chart.js'
import type { HistoryAxis, ScoreHistogram } from '../../../../src-main/contract/api'
import { formatCount, formatShortNumber } from '../../lib/format'
import { chartColours } from './setup'

/** The legend under a chart, with small colour boxes. */
export const BOTTOM_LEGEND = { position: 'bottom', labels: { boxWidth: 12 } } as const

/**
 * Options every line chart takes: points given as {x, y} (no parsing), the legend below, and a
 * tooltip line (`tooltipLabel`) for the nearest point, or for every series at that x (`index`).
 */
export function lineChartOptions(hover: 'nearest' | 'index', tooltipLabel: (ctx: TooltipItem<'line'>) => string, scales: ChartOptions<'line'>['scales']): ChartOptions<'line'> {
  return {
    parsing: false,
    interaction: { mode: hover, intersect: false },
    plugins: { legend: BOTTOM_LEGEND, tooltip: { callbacks: { label: tooltipLabel } } },
    scales
  }
}

/** A history chart's tooltip line: the series and its value, short (1.2k). */
export const seriesValueLabel = (ctx: TooltipItem<'line'>): string => `${ctx.dataset.label}: ${formatShortNumber((ctx.raw as { y: number }).y)}`

/** A training history's x axis: epochs, or trees (an Isolation Forest's history over the ensemble size). */
export function historyXAxis(axis: HistoryAxis) {
  return { type: 'linear', title: { display: true, text: axis === 'trees' ? 'Trees in the forest' : 'Epoch' }, grid: { color: chartColours().grid }, ticks: { precision: 0 } } as const
}

/** A histogram's x axis: linear over its bins (first to last edge), the bars flush with both ends. */
export function histogramXAxis(h: ScoreHistogram) {
  return { type: 'linear', min: h.edges[0] ?? 0, max: h.edges[h.edges.length - 1] ?? 1, offset: false } as const
}

/** A histogram's tooltip: the bin's range after `what` (a column name, "score") as the title, then each class's count. */
export function histogramTooltip(h: ScoreHistogram, what: string) {
  return {
    callbacks: {
      title: (items: TooltipItem<'bar'>[]) => {
        const i = items[0]?.dataIndex ?? 0
        return `${what} ${formatShortNumber(h.edges[i] ?? 0)} – ${formatShortNumber(h.edges[i + 1] ?? 0)}`
      },
      label: (ctx: TooltipItem<'bar'>) => `${ctx.dataset.label}: ${formatCount((ctx.raw as { y: number }).y)}`
    }
  }
}

/** A log-scale count axis labels powers of ten only (1, 10, 100…): the ticks between would crowd it. */
export function powerOfTenTick(value: number | string): string {
  const v = Number(value)
  if (v < 1) return ''
  const l = Math.log10(v)
  return Math.abs(l - Math.round(l)) < 1e-9 ? formatCount(v) : ''
}

/**
 * Pieces several charts share: the normal-vs-anomalous bar pair of a histogram (bars on a linear
 * x axis at bin centres, so a threshold lands at its true position) and a labelled vertical
 * marker line (a threshold, the scrubbed epoch).
 */
import type { Chart, ChartDataset } from 'chart.js'
import { ANOMALY, NORMAL } from './setup'

export interface HistogramBins {
  edges: number[]
  normal: number[]
  anomalous: number[]
}

export function binCentres(h: HistogramBins): number[] {
  return h.edges.slice(0, -1).map((e, i) => (e + (h.edges[i + 1] ?? e)) / 2)
}

/** The two overlaid bar datasets of a histogram, anomalous drawn on top. */
export function histogramDatasets(h: HistogramBins, labels: { normal: string; anomalous: string }): ChartDataset<'bar', { x: number; y: number }[]>[] {
  const centres = binCentres(h)
  const bars = (label: string, counts: number[], fill: string, border: string, order: number): ChartDataset<'bar', { x: number; y: number }[]> => ({
    label,
    data: centres.map((x, i) => ({ x, y: counts[i] ?? 0 })),
    backgroundColor: fill,
    borderColor: border,
    borderWidth: 0,
    grouped: false,
    barPercentage: 1,
    categoryPercentage: 1,
    order
  })
  return [bars(labels.normal, h.normal, 'rgba(107, 122, 144, 0.55)', NORMAL, 2), bars(labels.anomalous, h.anomalous, 'rgba(192, 38, 45, 0.6)', ANOMALY, 1)]
}

/** Draws a dashed vertical line at data value `value` of the x scale, with `text` beside it. */
export function drawVerticalMarker(
  chart: Chart,
  value: number,
  text: string,
  style: { color: string; width: number; dash: number[]; font: string; slack?: number }
): void {
  const x = chart.scales.x!.getPixelForValue(value)
  const { top, bottom, left, right } = chart.chartArea
  const slack = style.slack ?? 0
  if (x < left - slack || x > right + slack) return
  const ctx = chart.ctx
  ctx.save()
  ctx.strokeStyle = style.color
  ctx.lineWidth = style.width
  ctx.setLineDash(style.dash)
  ctx.beginPath()
  ctx.moveTo(x, top)
  ctx.lineTo(x, bottom)
  ctx.stroke()
  ctx.setLineDash([])
  ctx.fillStyle = '#1d2430'
  ctx.font = style.font
  const w = ctx.measureText(text).width
  ctx.textBaseline = 'top'
  ctx.fillText(text, x + 4 + w > right ? x - w - 4 : x + 4, top + 2)
  ctx.restore()
}

/**
 * Pieces several charts share: the normal-vs-anomalous bar pair of a histogram (bars on a linear
 * x axis at bin centres, so a threshold lands at its true position) and a labelled vertical
 * marker line (a threshold, the scrubbed epoch).
 */
import type { Chart, ChartDataset, ChartType, Plugin } from 'chart.js'
import type { ScoreHistogram } from '../../../../src-main/contract/api'
import { chartColours } from './setup'
import { withAlpha } from '../../lib/dataset-view'

export function binCentres(h: ScoreHistogram): number[] {
  return h.edges.slice(0, -1).map((e, i) => (e + (h.edges[i + 1] ?? e)) / 2)
}

/** The two overlaid bar datasets of a histogram, anomalous drawn on top. */
export function histogramDatasets(h: ScoreHistogram, labels: { normal: string; anomalous: string }): ChartDataset<'bar', { x: number; y: number }[]>[] {
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
  return [bars(labels.normal, h.normal, withAlpha(chartColours().normal, 0.55), chartColours().normal, 2), bars(labels.anomalous, h.anomalous, withAlpha(chartColours().anomaly, 0.6), chartColours().anomaly, 1)]
}

/** Draws a dashed vertical line at data value `value` of the x scale, with `text` beside it (on `ctx`, by default the chart's). */
export function drawVerticalMarker(
  chart: Chart,
  value: number,
  text: string,
  style: { color: string; width: number; dash: number[]; font: string; slack?: number },
  ctx: CanvasRenderingContext2D = chart.ctx
): void {
  const x = chart.scales.x!.getPixelForValue(value)
  const { top, bottom, left, right } = chart.chartArea
  const slack = style.slack ?? 0
  if (x < left - slack || x > right + slack) return
  ctx.save()
  ctx.strokeStyle = style.color
  ctx.lineWidth = style.width
  ctx.setLineDash(style.dash)
  ctx.beginPath()
  ctx.moveTo(x, top)
  ctx.lineTo(x, bottom)
  ctx.stroke()
  ctx.setLineDash([])
  ctx.fillStyle = chartColours().ink
  ctx.font = style.font
  const w = ctx.measureText(text).width
  ctx.textBaseline = 'top'
  ctx.fillText(text, x + 4 + w > right ? x - w - 4 : x + 4, top + 2)
  ctx.restore()
}

/**
 * A marker that moves without redrawing its chart (the threshold studio's operating point and
 * threshold line move on every slider step): it is drawn on a transparent canvas laid over the
 * chart's (ChartCanvas renders one when given the layer). `redraw()` clears that canvas and calls
 * `draw` with the chart (for its scales) and the layer's context: microseconds, where a chart
 * redraw costs milliseconds. The plugin redraws the layer after every chart render (resize, new
 * data), keeping it the chart's size.
 */
export interface MarkerLayer<T extends ChartType> {
  plugin: Plugin<T>
  /** ChartCanvas hands over its overlay canvas. */
  attach(canvas: HTMLCanvasElement | null): void
  redraw(): void
}

export function markerLayer<T extends ChartType>(draw: (chart: Chart, ctx: CanvasRenderingContext2D) => void): MarkerLayer<T> {
  let chart: Chart | null = null
  let canvas: HTMLCanvasElement | null = null
  const redraw = (): void => {
    const ctx = canvas?.getContext('2d')
    if (!chart || !canvas || !ctx) return
    const ratio = chart.currentDevicePixelRatio
    const w = Math.round(chart.width * ratio)
    const h = Math.round(chart.height * ratio)
    if (canvas.width !== w || canvas.height !== h) {
      canvas.width = w
      canvas.height = h
    }
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0)
    ctx.clearRect(0, 0, chart.width, chart.height)
    draw(chart, ctx)
  }
  return {
    plugin: {
      id: 'markerLayer',
      afterInit(c) {
        chart = c as unknown as Chart
      },
      afterRender() {
        redraw()
      },
      afterDestroy() {
        chart = null
      }
    },
    attach(c) {
      canvas = c
      redraw()
    },
    redraw
  }
}

/** Draws a dot at data point (x, y) with a ring, guide lines to the axes and `text` beside it (an operating point). */
export function drawPointMarker(chart: Chart, x: number, y: number, text: string, color: string, ctx: CanvasRenderingContext2D = chart.ctx): void {
  const px = chart.scales.x!.getPixelForValue(x)
  const py = chart.scales.y!.getPixelForValue(y)
  const { top, bottom, left, right } = chart.chartArea
  if (!(px >= left - 1 && px <= right + 1 && py >= top - 1 && py <= bottom + 1)) return
  ctx.save()
  ctx.strokeStyle = withAlpha(chartColours().ink, 0.35)
  ctx.lineWidth = 1
  ctx.setLineDash([3, 3])
  ctx.beginPath()
  ctx.moveTo(px, bottom)
  ctx.lineTo(px, py)
  ctx.lineTo(left, py)
  ctx.stroke()
  ctx.setLineDash([])
  ctx.fillStyle = color
  ctx.strokeStyle = chartColours().heatZero
  ctx.lineWidth = 2
  ctx.beginPath()
  ctx.arc(px, py, 5, 0, Math.PI * 2)
  ctx.fill()
  ctx.stroke()
  ctx.fillStyle = chartColours().ink
  ctx.font = '600 11px system-ui, sans-serif'
  const w = ctx.measureText(text).width
  ctx.textBaseline = py - 14 < top ? 'top' : 'bottom'
  const tx = px + 8 + w > right ? px - w - 8 : px + 8
  ctx.fillText(text, tx, py - 14 < top ? py + 8 : py - 6)
  ctx.restore()
}

/**
 * Threshold studio figures (issue 10: "one slider move over 600,000 stored scores recomputes
 * everything in well under 16 ms"): build a ThresholdSweep over every 60-row window of the
 * default helios-events series (600,000 rows), with per-type and event-level metrics, then time
 * 1,000 `at()` calls at random thresholds (p50 / p95 per call), the curves, and a pick on
 * targets. Scores come from a real model: an Isolation Forest scoring each window's last row.
 * Run with `npm run bench threshold`.
 */
import { generateScenario } from '../src-main/core/data/scenarios'
import { windowLabels, windowStarts, windowTypes } from '../src-main/core/data/windows'
import { fromColumns } from '../src-main/core/data/matrix'
import { fitStandardScaler, applyScaler } from '../src-main/core/data/scaler'
import { fitIsolationForest, scoreSamples } from '../src-main/core/models/iforest'
import { createRng } from '../src-main/core/data/rng'
import { episodeWindows } from '../src-main/core/eval/episode-windows'
import { ThresholdSweep } from '../src-main/core/eval/threshold-sweep'
import { pickThreshold } from '../src-main/core/eval/threshold-pick'

const WINDOW = 60
const CALLS = 1000

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]
}
const us = (ms: number) => `${(ms * 1000).toFixed(1)} µs`
const time = <T>(f: () => T): [T, number] => {
  const t0 = performance.now()
  const out = f()
  return [out, performance.now() - t0]
}

function main(): void {
  const series = generateScenario('helios-events', {})
  const starts = windowStarts(series, { length: WINDOW, stride: 1 })
  const labels = windowLabels(series, starts, WINDOW, { kind: 'any' })
  const types = windowTypes(series, starts, WINDOW)

  const X = applyScaler(fromColumns(series.values), fitStandardScaler(fromColumns(series.values)))
  const forest = fitIsolationForest(X, { nEstimators: 100, seed: 1 })
  const rowScores = scoreSamples(forest, X)
  const scores = Float32Array.from(starts, (s) => rowScores[s + WINDOW - 1])
  console.log(`${series.labels.length} rows, ${scores.length} windows of ${WINDOW}, ${labels.reduce((a, b) => a + b, 0)} anomalous`)

  const [episodes, episodeMs] = time(() => episodeWindows(series, starts, WINDOW))
  const [sweep, buildMs] = time(() => new ThresholdSweep({ scores, labels, types: { codes: types, names: series.anomalyTypeNames }, episodes }))
  console.log(`episode index: ${episodes.firstRow.length} episodes, ${episodes.windows.length} memberships, ${episodeMs.toFixed(1)} ms`)
  console.log(`sweep build: ${buildMs.toFixed(1)} ms (${sweep.cuts - 1} distinct scores)`)

  let lo = Infinity
  let hi = -Infinity
  for (const s of scores) {
    lo = Math.min(lo, s)
    hi = Math.max(hi, s)
  }
  const rng = createRng(2)
  const lat: number[] = []
  let sink = 0
  for (let i = 0; i < CALLS; i++) {
    const t = lo + (hi - lo) * rng.uniform()
    const [r, ms] = time(() => sweep.at(t))
    sink += r.f1 + (r.events?.recall ?? 0)
    lat.push(ms)
  }
  console.log(`at(): ${CALLS} calls, p50 ${us(quantile(lat, 0.5))}, p95 ${us(quantile(lat, 0.95))}, max ${us(Math.max(...lat))} (budget: 16 ms per slider move)`)

  const [, curvesMs] = time(() => sweep.curves(200))
  console.log(`curves(200): ${curvesMs.toFixed(1)} ms`)
  const [pick, pickMs] = time(() => pickThreshold(sweep, { targets: ['precision >= 90%', 'recall >= 85%'], objective: { metric: 'f1', direction: 'maximize' } }))
  console.log(`pickThreshold over ${pick.candidates} cuts: ${pickMs.toFixed(1)} ms (rule ${pick.rule}, f1 ${pick.validation.f1.toFixed(4)})`)
  if (!Number.isFinite(sink)) console.log('unexpected NaN metric')
}

main()

/**
 * Seed 002 figures: how long the helios-detection Isolation Forest run takes (in-process trial,
 * and `workbench run` end to end with its worker process), and single-window inference latency
 * (the seed wants < 100 ms). Run with `npm run bench`.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseSpecText } from '../src-main/core/search/spec'
import { runTrial, resolveData } from '../src-main/core/search/run-trial'
import { fitIsolationForest, scoreSamples } from '../src-main/core/models/iforest'
import { fitStandardScaler, applyScaler } from '../src-main/core/data/scaler'
import { fromColumns } from '../src-main/core/data/matrix'

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)))
const SPEC_FILE = join(ROOT, 'experiments/helios-detection-iforest.json')
const spec = parseSpecText(readFileSync(SPEC_FILE, 'utf8'), SPEC_FILE)

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]
}
const ms = (x: number) => `${x.toFixed(1)} ms`

async function main(): Promise<void> {
  // 1. The trial in-process (data generation, scaling, fitting, scoring, evaluation).
  const trialTimes: number[] = []
  let last
  for (let i = 0; i < 7; i++) {
    const t0 = performance.now()
    last = await runTrial(spec)
    trialTimes.push(performance.now() - t0)
  }
  console.log(`trial in-process (7 runs):  median ${ms(quantile(trialTimes, 0.5))}, min ${ms(Math.min(...trialTimes))}`)
  const m = last!.results.metrics
  console.log(`  test precision ${m.precision.toFixed(4)} recall ${m.recall.toFixed(4)} fpr ${m.fpr.toFixed(4)} auc ${m.rocAuc.toFixed(4)}`)

  // 2. Single-window inference: scale one row and score it with the trained forest.
  const { train, test } = resolveData(spec)
  const X = fromColumns(train.values)
  const scaler = fitStandardScaler(X)
  const forest = fitIsolationForest(applyScaler(X, scaler), spec.model.params)
  const T = fromColumns(test.values)
  const lat: number[] = []
  for (let i = 0; i < 2000; i++) {
    const r = i % T.rows
    const one = { data: T.data.slice(r * T.cols, (r + 1) * T.cols), rows: 1, cols: T.cols }
    const t0 = performance.now()
    scoreSamples(forest, applyScaler(one, scaler))
    lat.push(performance.now() - t0)
  }
  console.log(`single-window inference (2000 calls): p50 ${(quantile(lat, 0.5) * 1000).toFixed(1)} µs, p95 ${(quantile(lat, 0.95) * 1000).toFixed(1)} µs (seed target < 100 ms)`)
  const t0 = performance.now()
  scoreSamples(forest, applyScaler(T, scaler))
  console.log(`batch scoring of the 864-row test set: ${ms(performance.now() - t0)}`)

  // 3. `workbench run` end to end: CLI start, worker process, SQLite writes.
  const wall: number[] = []
  for (let i = 0; i < 3; i++) {
    const ws = mkdtempSync(join(tmpdir(), 'wb-bench-'))
    const t = performance.now()
    const r = spawnSync(process.execPath, [join(ROOT, 'bin/workbench.cjs'), 'run', SPEC_FILE, '--json', '--workspace', ws], { encoding: 'utf8' })
    wall.push(performance.now() - t)
    if (r.status !== 0) throw new Error(`workbench run failed: ${r.stderr}`)
    const out = JSON.parse(r.stdout)
    if (i === 0) console.log(`  run record: durationMs ${out.durationMs} (worker start to results stored)`)
    rmSync(ws, { recursive: true, force: true })
  }
  console.log(`workbench run --json end to end (3 runs): median ${ms(quantile(wall, 0.5))}`)
}

void main()

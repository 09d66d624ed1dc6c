/**
 * Generator figures: for each built-in scenario at its default size, rows, columns, wall time,
 * rows/s and peak RSS. helios-events (600,000 rows x 8) is the headline figure. Run with
 * `npx tsx bench/generate.bench.ts` or `npm run bench generate`.
 *
 * Each scenario runs in its own child process so that its peak RSS (getrusage maxrss) is its
 * own and not the largest of all scenarios so far; `base` is the child's RSS before generating
 * (node + tsx + the modules), so peak - base is what generation itself costs. `1st` is the peak
 * after the first run (one series alive), `all` after all runs (earlier series may not have
 * been collected yet); `buffers` is typed-array memory still held after the last run.
 */
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { generateScenario, scenarioIds } from '../src-main/core/data/scenarios'

const RUNS = 3

interface Figures {
  id: string
  rows: number
  columns: number
  bestMs: number
  medianMs: number
  baseRssMb: number
  peakRssMb: number
  firstPeakRssMb: number
  heapUsedMb: number
  arrayBuffersMb: number
}

function measure(id: string): Figures {
  const baseRssMb = process.memoryUsage().rss / 1e6
  const times: number[] = []
  let rows = 0
  let columns = 0
  let heapUsedMb = 0
  let arrayBuffersMb = 0
  let firstPeakRssMb = 0
  for (let r = 0; r < RUNS; r++) {
    const t0 = performance.now()
    const s = generateScenario(id, {})
    times.push(performance.now() - t0)
    // maxRSS is in kilobytes (KiB on Linux).
    if (r === 0) firstPeakRssMb = (process.resourceUsage().maxRSS * 1024) / 1e6
    rows = s.timestamps.length
    columns = s.columns.length
    const m = process.memoryUsage()
    heapUsedMb = m.heapUsed / 1e6
    arrayBuffersMb = m.arrayBuffers / 1e6
  }
  times.sort((a, b) => a - b)
  return {
    id,
    rows,
    columns,
    bestMs: times[0],
    medianMs: times[Math.floor(times.length / 2)],
    baseRssMb,
    firstPeakRssMb,
    peakRssMb: (process.resourceUsage().maxRSS * 1024) / 1e6,
    heapUsedMb,
    arrayBuffersMb
  }
}

function main(): void {
  const only = process.argv[2]
  if (only) {
    process.stdout.write(JSON.stringify(measure(only)))
    return
  }
  const self = fileURLToPath(import.meta.url)
  const ids = scenarioIds()
  console.log(`${RUNS} runs per scenario at default size, each scenario in a fresh process`)
  console.log(
    'scenario'.padEnd(18) +
      'rows'.padStart(9) +
      'cols'.padStart(6) +
      'best ms'.padStart(10) +
      'median ms'.padStart(11) +
      'rows/s'.padStart(12) +
      'peak RSS 1st'.padStart(14) +
      'peak RSS all'.padStart(14) +
      'base RSS'.padStart(11) +
      'buffers'.padStart(10)
  )
  let failed = false
  for (const id of ids) {
    const r = spawnSync(process.execPath, [...process.execArgv, self, id], { encoding: 'utf8' })
    if (r.status !== 0) {
      console.log(`${id}: failed\n${r.stderr}`)
      failed = true
      continue
    }
    const f = JSON.parse(r.stdout) as Figures
    console.log(
      f.id.padEnd(18) +
        String(f.rows).padStart(9) +
        String(f.columns).padStart(6) +
        f.bestMs.toFixed(0).padStart(10) +
        f.medianMs.toFixed(0).padStart(11) +
        Math.round(f.rows / (f.bestMs / 1000)).toLocaleString('en-US').padStart(12) +
        `${f.firstPeakRssMb.toFixed(0)} MB`.padStart(14) +
        `${f.peakRssMb.toFixed(0)} MB`.padStart(14) +
        `${f.baseRssMb.toFixed(0)} MB`.padStart(11) +
        `${f.arrayBuffersMb.toFixed(0)} MB`.padStart(10)
    )
  }
  if (failed) process.exitCode = 1
}

main()

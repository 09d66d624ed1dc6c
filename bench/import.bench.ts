/**
 * CSV import throughput: writes a ~100 MB CSV (ISO timestamp, 10 numeric features, label,
 * anomaly_type) with exportCsv, then times importFiles on it in a fresh child process, so the
 * peak RSS printed is the import's own. Then imports it again the way the app does: a host
 * (DatasetJobs on a real workspace) with a real data worker streaming the arrays into the store,
 * printing the peak RSS of the host process and of the worker (Linux: VmHWM, sampled).
 * Run with `npx tsx bench/import.bench.ts [rows]` or `npm run bench import`.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { exportCsv } from '../src-main/core/data/csv-export'
import { importFiles } from '../src-main/core/data/import/index'
import type { LabelledSeries } from '../src-main/core/data/series'
import { openDatabase } from '../src-main/core/store/database'
import { DatasetJobs } from '../src-main/host/dataset-jobs'
import { NodeWorkerLauncher } from '../src-main/host/node-worker-launcher'
import type { WorkerLauncher } from '../src-main/host/worker-launcher'

const ROWS = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 850_000)
const FEATURES = 10

function synthetic(rows: number): LabelledSeries {
  let s = 1
  const rnd = () => ((s = (s * 16807) % 2147483647) / 2147483647)
  const values = Array.from({ length: FEATURES }, () => new Float32Array(rows))
  const timestamps = new Float64Array(rows)
  const labels = new Uint8Array(rows)
  const anomalyType = new Uint8Array(rows)
  const level = Array.from({ length: FEATURES }, (_, c) => 10 ** (c % 4))
  for (let i = 0; i < rows; i++) {
    timestamps[i] = Date.UTC(2024, 0, 1) + i * 60_000
    const a = rnd() < 0.02
    labels[i] = a ? 1 : 0
    anomalyType[i] = a ? 1 + Math.floor(rnd() * 3) : 0
    for (let c = 0; c < FEATURES; c++) {
      level[c] *= 1 + (rnd() - 0.5) * 0.01
      values[c][i] = level[c] * (a ? 3 : 1) * (1 + (rnd() - 0.5) * 0.1)
    }
  }
  return {
    name: 'bench',
    intervalMs: 60_000,
    timestamps,
    columns: Array.from({ length: FEATURES }, (_, c) => `metric_${c + 1}`),
    values,
    labels,
    anomalyTypeNames: ['spike', 'drop', 'drift'],
    anomalyType
  }
}

async function child(file: string): Promise<void> {
  const t0 = performance.now()
  let updates = 0
  const series = await importFiles([file], {}, () => updates++)
  const s = (performance.now() - t0) / 1000
  const mb = statSync(file).size / 1e6
  const rows = series.timestamps.length
  const rssMb = process.resourceUsage().maxRSS / 1024
  console.log(
    `import ${mb.toFixed(1)} MB, ${rows} rows x ${series.columns.length} features: ${s.toFixed(2)} s, ` +
      `${Math.round(rows / s).toLocaleString('en')} rows/s, ${(mb / s).toFixed(1)} MB/s, peak RSS ${rssMb.toFixed(0)} MB, ${updates} progress updates`
  )
}

/** Peak resident set of a process in MB (Linux /proc; 0 elsewhere or once it is gone). */
function peakRssMb(pid: number | null): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return m ? Number(m[1]) / 1024 : 0
  } catch {
    return 0
  }
}

/** The file through the app's import job: host process here, data worker forked, version stored. */
async function hostChild(file: string): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'wb-import-bench-ws-'))
  try {
    const db = openDatabase(join(dir, 'workbench.db'))
    const real = new NodeWorkerLauncher()
    let workerPeak = 0
    const launcher: WorkerLauncher = {
      launch: (kind) => {
        const w = real.launch(kind)
        const timer = setInterval(() => (workerPeak = Math.max(workerPeak, peakRssMb(w.pid))), 50)
        w.onExit(() => clearInterval(timer))
        return w
      }
    }
    const jobs = new DatasetJobs(db, launcher)
    const before = process.memoryUsage().rss / 1e6
    const t0 = performance.now()
    const outcome = await jobs.waitFor(jobs.start({ kind: 'import', files: [file], options: {} }))
    const s = (performance.now() - t0) / 1000
    if (!outcome.dataset) throw new Error(outcome.error ?? 'import failed')
    const hostPeak = process.resourceUsage().maxRSS / 1024
    console.log(
      `import job (host + data worker, stored in SQLite) ${outcome.dataset.rows} rows: ${s.toFixed(2)} s; ` +
        `peak RSS host ${hostPeak.toFixed(0)} MB (${before.toFixed(0)} MB before the job), data worker ${workerPeak.toFixed(0)} MB`
    )
    db.close()
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'wb-import-bench-'))
  try {
    const file = join(dir, 'bench.csv')
    const series = synthetic(ROWS)
    const t0 = performance.now()
    const { rows, bytes } = await exportCsv(series, file)
    const s = (performance.now() - t0) / 1000
    console.log(`exportCsv ${rows} rows, ${(bytes / 1e6).toFixed(1)} MB: ${s.toFixed(2)} s, ${Math.round(rows / s).toLocaleString('en')} rows/s, ${(bytes / 1e6 / s).toFixed(1)} MB/s`)
    for (let run = 0; run < 2; run++) {
      const r = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--child', file], { stdio: 'inherit' })
      if (r.status !== 0) throw new Error('import child failed')
    }
    const r = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--host', file], { stdio: 'inherit' })
    if (r.status !== 0) throw new Error('host import child failed')
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

const at = process.argv.indexOf('--child')
const host = process.argv.indexOf('--host')
void (at >= 0 ? child(process.argv[at + 1]) : host >= 0 ? hostChild(process.argv[host + 1]) : main())

/**
 * Seed 002's grid search as a user runs it: `workbench run experiments/helios-detection-iforest-grid.json`
 * (135 trials, 2 at a time) on a fresh workspace. Prints the wall time per trial, the database
 * bytes per trial (file and WAL after a checkpoint, and the largest tables), what a worker
 * process start costs against a warm worker's trial, the load average, the best trial by the
 * objective and whether any trial met the seed's targets.
 *
 * `WORKBENCH_BENCH_ISOLATION=process-per-trial` runs the same grid with a fresh process per trial;
 * `WORKBENCH_BENCH_CONCURRENCY=1` one trial at a time (the spec asks for 2).
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs'
import { availableParallelism, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import Database from 'better-sqlite3'
import { NodeWorkerLauncher } from '../src-main/host/node-worker-launcher'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const isolation = process.env.WORKBENCH_BENCH_ISOLATION ?? 'warm'
const grid = JSON.parse(readFileSync(join(ROOT, 'experiments/helios-detection-iforest-grid.json'), 'utf8')) as { concurrency?: number }
const concurrency = Number(process.env.WORKBENCH_BENCH_CONCURRENCY ?? grid.concurrency)
const tmp = mkdtempSync(join(tmpdir(), 'wb-grid-bench-'))
const ws = join(tmp, 'ws')
const specFile = join(tmp, 'helios-detection-iforest-grid.json')
writeFileSync(specFile, JSON.stringify({ ...grid, isolation, concurrency }))
const load = (l: number[]) => l.map((x) => x.toFixed(2)).join(' ')

/** Fork → `ready` of a bundled training worker (as the CLI forks it), the start-up a warm worker saves: median of `n`. */
async function workerStartupMs(n: number): Promise<number> {
  const launcher = new NodeWorkerLauncher({ from: 'bundle' })
  const times: number[] = []
  for (let i = 0; i < n; i++) {
    const t0 = performance.now()
    const w = launcher.launch('training')
    await new Promise<void>((resolve) => w.onMessage((m) => m.type === 'ready' && resolve()))
    times.push(performance.now() - t0)
    w.kill()
  }
  return times.sort((a, b) => a - b)[n >> 1]
}

const loadBefore = loadavg()
const t0 = performance.now()
const r = spawnSync(process.execPath, [join(ROOT, 'bin/workbench.cjs'), 'run', specFile, '--json', '--workspace', ws], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })
const wallS = (performance.now() - t0) / 1000
const loadAfter = loadavg()
if (r.status !== 0) throw new Error(`grid search failed: ${r.stderr}`)

// The database as it stays: the WAL folded in, then file + WAL measured.
const dbFile = join(ws, 'workbench.db')
const db = new Database(dbFile)
db.pragma('wal_checkpoint(TRUNCATE)')
const tables = db.prepare('SELECT name, SUM(pgsize) AS bytes FROM dbstat GROUP BY name ORDER BY bytes DESC LIMIT 5').all() as { name: string; bytes: number }[]
// Each worker process's first trial paid its start; the others ran warm.
const durations = db
  .prepare(
    `SELECT AVG(CASE WHEN r.id = f.first THEN r.duration_ms END) AS fresh, AVG(CASE WHEN r.id <> f.first THEN r.duration_ms END) AS warm,
       COUNT(DISTINCT r.worker_pid) AS workers
     FROM runs r JOIN (SELECT worker_pid, MIN(id) AS first FROM runs GROUP BY worker_pid) f ON f.worker_pid = r.worker_pid WHERE r.status = 'done'`
  )
  .get() as { fresh: number | null; warm: number | null; workers: number }
db.close()
const dbBytes = statSync(dbFile).size + (existsSync(`${dbFile}-wal`) ? statSync(`${dbFile}-wal`).size : 0)
const startupMs = await workerStartupMs(3)
rmSync(tmp, { recursive: true, force: true })

const out = JSON.parse(r.stdout) as {
  total: number
  counts: Record<string, number>
  targetsMetBy: number[]
  trials: { rank: number | null; params: Record<string, unknown>; metrics: Record<string, number> | null }[]
}
const best = out.trials.find((t) => t.rank === 1)!
const byPrecision = [...out.trials].filter((t) => t.metrics).sort((a, b) => b.metrics!.precision - a.metrics!.precision || b.metrics!.recall - a.metrics!.recall)[0]
const pct = (x: number) => `${(x * 100).toFixed(2)} %`
const kb = (b: number) => `${(b / 1024).toFixed(1)} KB`
const perTrialS = wallS / out.total
console.log(`grid: ${out.total} trials, ${out.counts.done} done, ${concurrency} at a time on ${availableParallelism()} cores, isolation ${isolation}: ${durations.workers} worker process(es)`)
console.log(`wall time ${wallS.toFixed(1)} s: ${perTrialS.toFixed(3)} s per trial`)
console.log(`load average (1, 5, 15 min): before ${load(loadBefore)}, after ${load(loadAfter)}`)
console.log(`database ${kb(dbBytes)} (file + WAL after a checkpoint): ${kb(dbBytes / out.total)} per trial; largest: ${tables.map((t) => `${t.name} ${kb(t.bytes / out.total)}`).join(', ')} per trial`)
console.log(
  `worker start (fork to ready, median of 3): ${startupMs.toFixed(0)} ms; a trial's run took ${durations.fresh?.toFixed(0) ?? '-'} ms on a fresh worker, ${durations.warm?.toFixed(0) ?? '-'} ms on a warm one (mean)`
)
console.log(`best by f1: ${JSON.stringify(best.params)} → precision ${pct(best.metrics!.precision)}, recall ${pct(best.metrics!.recall)}, FPR ${pct(best.metrics!.fpr)}, f1 ${best.metrics!.f1.toFixed(4)}`)
console.log(`highest precision: ${JSON.stringify(byPrecision.params)} → precision ${pct(byPrecision.metrics!.precision)}, recall ${pct(byPrecision.metrics!.recall)}, FPR ${pct(byPrecision.metrics!.fpr)}`)
console.log(`seed targets (precision >= 95.3 %, recall >= 87.1 %, FPR <= 11.8 %) met by ${out.targetsMetBy.length} trial(s)`)

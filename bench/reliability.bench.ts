/**
 * A random kill campaign on one workspace: a 24-trial search run by one or two `workbench run`
 * processes at a time, each SIGKILLed at a random moment, 20 kills in all; then one last run to
 * the end. Prints the kills, the runs they interrupted, done runs per trial (exactly 1 each is
 * the promise), worker processes left behind, and SQLite's integrity check.
 *
 *   npm run bench reliability            (KILLS=20 SEED=1 to change the campaign)
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir, loadavg } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import Database from 'better-sqlite3'
import { createRng } from '../src-main/core/data/rng'
import { processAlive } from '../src-main/core/store/process-alive'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const KILLS = Number(process.env.KILLS ?? 20)
const rng = createRng(Number(process.env.SEED ?? 1))
const dir = mkdtempSync(join(tmpdir(), 'wb-reliability-'))
const ws = join(dir, 'ws')
const specFile = join(dir, 'campaign.json')
writeFileSync(
  specFile,
  JSON.stringify({
    name: 'kill-campaign',
    dataset: { generator: 'helios-detection', params: { days: 20, seed: 4 } },
    split: { kind: 'time', trainFraction: 0.6 },
    model: { kind: 'iforest', params: { nEstimators: 300, maxSamples: 256 } },
    // 4 x 3 x 2 = 24 trials of about a second each.
    search: { kind: 'grid', space: { contamination: [0.02, 0.03, 0.04, 0.05], seed: [1, 2, 3], bootstrap: [false, true] } }
  })
)

function start(): ChildProcess {
  return spawn(process.execPath, [join(ROOT, 'bin/workbench.cjs'), 'run', specFile, '--workspace', ws, '--json'], { stdio: 'ignore' })
}

const exited = (c: ChildProcess) => new Promise<void>((r) => (c.exitCode !== null || c.signalCode !== null ? r() : c.once('exit', () => r())))
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

function read<T>(fn: (db: Database.Database) => T, fallback: T): T {
  try {
    const db = new Database(join(ws, 'workbench.db'), { readonly: true, fileMustExist: true })
    try {
      return fn(db)
    } finally {
      db.close()
    }
  } catch {
    return fallback
  }
}

const doneTrials = () => read((db) => db.prepare(`SELECT COUNT(*) FROM trials WHERE status = 'done'`).pluck().get() as number, 0)

const t0 = performance.now()
let kills = 0
let rounds = 0
while (kills < KILLS && doneTrials() < 24) {
  rounds++
  // One or two processes share the search this round; each dies at its own random moment.
  const procs = rng.uniform() < 0.5 ? [start(), start()] : [start()]
  await Promise.all(
    procs.map(async (p) => {
      await sleep(800 + rng.uniform() * 4000)
      if (p.exitCode === null && p.signalCode === null && kills < KILLS) {
        p.kill('SIGKILL')
        kills++
      }
    })
  )
  await Promise.all(procs.map(exited))
}
const final = spawnSync(process.execPath, [join(ROOT, 'bin/workbench.cjs'), 'run', specFile, '--workspace', ws, '--json'], { encoding: 'utf8', maxBuffer: 64 << 20 })
const wallS = (performance.now() - t0) / 1000
// Workers of killed hosts exit on their own when their parent goes: give them a moment.
await sleep(3000)

const report = read(
  (db) => ({
    integrity: db.pragma('integrity_check', { simple: true }) as string,
    runs: db.prepare('SELECT status, COUNT(*) AS n FROM runs GROUP BY status ORDER BY status').all() as { status: string; n: number }[],
    perTrial: db.prepare(`SELECT t.id, (SELECT COUNT(*) FROM runs r WHERE r.trial_id = t.id AND r.status = 'done') AS done FROM trials t`).all() as { id: number; done: number }[],
    trials: db.prepare('SELECT status, COUNT(*) AS n FROM trials GROUP BY status').all() as { status: string; n: number }[],
    workerPids: db.prepare('SELECT worker_pid FROM runs WHERE worker_pid IS NOT NULL').pluck().all() as number[]
  }),
  null
)
rmSync(dir, { recursive: true, force: true })
if (!report) throw new Error('no workspace was written')

const histogram = new Map<number, number>()
for (const t of report.perTrial) histogram.set(t.done, (histogram.get(t.done) ?? 0) + 1)
const orphans = report.workerPids.filter((pid) => processAlive(pid))
const exactlyOnce = report.perTrial.length === 24 && report.perTrial.every((t) => t.done === 1)

console.log(`machine load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}; ${rounds} rounds, wall ${wallS.toFixed(1)} s`)
console.log(`kills: ${kills} (SIGKILL of a workbench run process, one or two sharing the search)`)
console.log(`runs by status: ${report.runs.map((r) => `${r.status} ${r.n}`).join(', ')}`)
console.log(`interrupted runs: ${report.runs.find((r) => r.status === 'interrupted')?.n ?? 0}`)
console.log(`trials by status: ${report.trials.map((r) => `${r.status} ${r.n}`).join(', ')}`)
console.log(`done runs per trial: ${[...histogram.entries()].sort().map(([k, n]) => `${n} trial(s) with ${k}`).join(', ')} -> ${exactlyOnce ? 'exactly 1 each' : 'NOT exactly once'}`)
console.log(`orphan worker processes: ${orphans.length}${orphans.length ? ` (${orphans.join(', ')})` : ''}`)
console.log(`integrity_check: ${report.integrity}`)
console.log(`final run exit code: ${final.status}`)
if (!exactlyOnce || orphans.length > 0 || report.integrity !== 'ok' || final.status !== 0) process.exit(1)

/**
 * What running the bundle instead of the TypeScript sources through tsx saves (`npm run bench
 * worker-startup`, Linux: CPU times come from /proc):
 * - each worker kind's start, fork → `ready`: wall time and the worker's own CPU time;
 * - `workbench --version` (the CLI's start) and `workbench run` of seed 002's one-trial Isolation
 *   Forest experiment on a fresh workspace: wall time and the CPU time of the CLI and its workers.
 * The bundle runs as users run it (`bin/workbench.cjs`, which checks the bundle is current first);
 * the sources as bin/workbench.cjs falls back to them (tsx's loader, src-main/cli/main.ts).
 * Modes alternate run by run, so a change in the machine's load hits both alike.
 * `WORKBENCH_BENCH_RUNS` sets the runs per figure (default 5; 3 for the trial).
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { NodeWorkerLauncher } from '../src-main/host/node-worker-launcher'
import { WORKER_KINDS, type WorkerKind } from '../src-main/host/worker-launcher'
import { meanSdText } from './stats'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const RUNS = Number(process.env.WORKBENCH_BENCH_RUNS ?? 5)
const MODES = ['sources', 'bundle'] as const
type Mode = (typeof MODES)[number]
/** Linux's clock ticks per second for /proc CPU times (USER_HZ: 100 on every mainstream kernel). */
const TICK_MS = 10

/** user + system CPU of a process (`self`) or of its waited-for children (`children`), in ms. */
function procCpuMs(pid: number | 'self', which: 'self' | 'children'): number {
  // Fields after the command name (which may hold spaces): utime is the 12th, cutime the 14th.
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
  const [u, s] = which === 'self' ? [fields[11], fields[12]] : [fields[13], fields[14]]
  return (Number(u) + Number(s)) * TICK_MS
}

async function workerStart(kind: WorkerKind, from: Mode): Promise<{ wallMs: number; cpuMs: number }> {
  const t0 = performance.now()
  const w = new NodeWorkerLauncher({ from }).launch(kind)
  await new Promise<void>((resolve, reject) => {
    w.onMessage((m) => m.type === 'ready' && resolve())
    w.onExit((e) => reject(new Error(`${kind} worker (${from}) exited before ready: ${e.stderrTail}`)))
  })
  const wallMs = performance.now() - t0
  const cpuMs = procCpuMs(w.pid!, 'self')
  w.kill()
  return { wallMs, cpuMs }
}

/** The CLI with `args`, as a user runs it (bundle) or as the fallback runs it (sources). */
function cli(from: Mode, args: string[]): { wallMs: number; cpuMs: number } {
  const argv =
    from === 'bundle'
      ? [join(ROOT, 'bin/workbench.cjs'), ...args]
      : ['--import', 'tsx', '--input-type=module', '-e', `const { main } = await import(${JSON.stringify(join(ROOT, 'src-main/cli/main.ts'))}); process.exitCode = await main(process.argv.slice(1))`, '--', ...args]
  const cpu0 = procCpuMs('self', 'children')
  const t0 = performance.now()
  const r = spawnSync(process.execPath, argv, { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 << 20 })
  const wallMs = performance.now() - t0
  if (r.status !== 0) throw new Error(`workbench ${args.join(' ')} (${from}) failed: ${r.stderr}`)
  if (from === 'bundle' && r.stderr.includes('through tsx')) throw new Error(`the bundle is stale: ${r.stderr}`)
  return { wallMs, cpuMs: procCpuMs('self', 'children') - cpu0 }
}

const stats = (xs: number[]) => meanSdText(xs, 0)

async function compare(title: string, runs: number, measure: (from: Mode) => Promise<{ wallMs: number; cpuMs: number }> | { wallMs: number; cpuMs: number }): Promise<void> {
  const got: Record<Mode, { wall: number[]; cpu: number[] }> = { sources: { wall: [], cpu: [] }, bundle: { wall: [], cpu: [] } }
  // One untimed run of each first: the OS file cache, not the code, would otherwise decide run 1.
  for (const from of MODES) await measure(from)
  for (let i = 0; i < runs; i++) {
    for (const from of MODES) {
      const m = await measure(from)
      got[from].wall.push(m.wallMs)
      got[from].cpu.push(m.cpuMs)
    }
  }
  const line = (from: Mode) => `${from.padEnd(8)} wall ${stats(got[from].wall).padStart(12)} ms   cpu ${stats(got[from].cpu).padStart(12)} ms`
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length
  const saved = mean(got.sources.cpu) - mean(got.bundle.cpu)
  console.log(`${title} (mean ± sd of ${runs}; load ${loadavg().map((x) => x.toFixed(2)).join(' ')})`)
  console.log(`  ${line('sources')}  (tsx)`)
  console.log(`  ${line('bundle')}  → ${saved.toFixed(0)} ms CPU saved`)
}

const load0 = loadavg()
console.log(`load average before (1, 5, 15 min): ${load0.map((x) => x.toFixed(2)).join(' ')}`)
for (const kind of WORKER_KINDS) await compare(`${kind} worker, fork → ready`, RUNS, (from) => workerStart(kind, from))
await compare('workbench --version', RUNS, (from) => cli(from, ['--version']))
const tmp = mkdtempSync(join(tmpdir(), 'wb-startup-bench-'))
let n = 0
try {
  await compare('workbench run experiments/helios-detection-iforest.json (one trial, fresh workspace)', Math.max(1, Math.round(RUNS * 0.6)), (from) =>
    cli(from, ['run', 'experiments/helios-detection-iforest.json', '--json', '--workspace', join(tmp, `ws-${n++}`)])
  )
} finally {
  rmSync(tmp, { recursive: true, force: true })
}

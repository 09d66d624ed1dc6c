/**
 * Scale-out through Redis: a 40-trial Isolation Forest search run by `workbench run --redis`
 * with one local slot and 0, 1 and 2 `workbench agent` processes (one trial at a time each) on
 * this machine beside it, and the per-trial overhead of going through Redis: the same search
 * with no local slot and one agent, against one local slot and no agent (both one trial at a
 * time, so the difference per trial is what the queue, the progress messages and the result
 * transfer cost). A real `redis-server` on an ephemeral port, without persistence.
 *
 * Each case runs REPEATS times (default 3) on a fresh workspace and fresh agents; it reports wall
 * time, trials per second, and CPU seconds of every process of the case (host, agents, their
 * training workers: the children this bench waited for, from /proc/self/stat, so Linux only) —
 * with the load average beside, since other work on the machine skews wall time.
 *
 *   npm run bench scale-out           (TRIALS=40 REPEATS=3)
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir, loadavg } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Redis } from 'ioredis'
import { startRedis, type TestRedis } from '../test/helpers/redis'
import { readAgents } from '../src-main/host/remote/agent-registry'
import { DEFAULT_QUEUE } from '../src-main/host/remote/wire'
import { meanSdText } from './stats'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const TRIALS = Number(process.env.TRIALS ?? 40)
const REPEATS = Number(process.env.REPEATS ?? 3)

/** A grid of TRIALS small forests (about a quarter of a second of training each). */
function spec(): unknown {
  const seeds = Array.from({ length: TRIALS / 4 }, (_, i) => i + 1)
  return {
    name: 'scale-out-bench',
    dataset: { generator: 'helios-detection', params: { days: 4, seed: 3 } },
    split: { kind: 'time', trainFraction: 0.6 },
    model: { kind: 'iforest', params: { nEstimators: 60 } },
    search: { kind: 'grid', space: { seed: seeds, contamination: [0.02, 0.03, 0.04, 0.05] } }
  }
}

/** Fields of /proc/<pid>/stat after the command name (field 3 is index 0). */
function statFields(pid: number | 'self'): string[] {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')
}

/** CPU seconds of the children this process has waited for (and theirs): stat fields 16 and 17 (cutime, cstime). */
function childCpuSeconds(): number {
  const f = statFields('self')
  return (Number(f[13]) + Number(f[14])) / 100
}

/** CPU seconds a live process used itself so far: stat fields 14 and 15 (utime, stime). */
function ownCpuSeconds(pid: number): number {
  const f = statFields(pid)
  return (Number(f[11]) + Number(f[12])) / 100
}

const exited = (c: ChildProcess) => new Promise<number | null>((r) => (c.exitCode !== null ? r(c.exitCode) : c.once('exit', (code) => r(code))))

interface Measured {
  wallS: number
  /** Every process of the case, agents' start-ups included. */
  cpuS: number
  /** What the agents' start-ups took (before the search began): a cost per agent, not per trial. */
  agentStartCpuS: number
}

async function runCase(redis: TestRedis, localSlots: number, agents: number): Promise<Measured> {
  const dir = mkdtempSync(join(tmpdir(), 'wb-scale-bench-'))
  try {
    const file = join(dir, 'search.json')
    writeFileSync(file, JSON.stringify(spec()))
    const cpu0 = childCpuSeconds()
    const procs = Array.from({ length: agents }, (_, i) =>
      spawn(process.execPath, [join(ROOT, 'bin/workbench.cjs'), 'agent', '--redis', redis.url, '--name', `bench-${i}`, '--concurrency', '1', '--workspace', join(dir, `agent-${i}`)], { stdio: 'ignore' })
    )
    const conn = new Redis(redis.url)
    for (;;) {
      if ((await readAgents(conn, DEFAULT_QUEUE)).length >= agents) break
      await new Promise((r) => setTimeout(r, 100))
    }
    conn.disconnect()
    const agentStartCpuS = procs.reduce((a, p) => a + ownCpuSeconds(p.pid!), 0)
    const t0 = performance.now()
    const host = spawn(process.execPath, [join(ROOT, 'bin/workbench.cjs'), 'run', file, '--workspace', join(dir, 'ws'), '--redis', redis.url, '--local-slots', String(localSlots), '--json'], {
      stdio: ['ignore', 'ignore', 'ignore']
    })
    const code = await exited(host)
    const wallS = (performance.now() - t0) / 1000
    if (code !== 0) throw new Error(`workbench run exited with ${code}`)
    for (const p of procs) p.kill('SIGTERM')
    await Promise.all(procs.map(exited))
    return { wallS, cpuS: childCpuSeconds() - cpu0, agentStartCpuS }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

const stats = (xs: number[]) => meanSdText(xs, 2)

const cases = [
  { label: 'host (1 local slot), 0 agents', localSlots: 1, agents: 0 },
  { label: 'host (1 local slot), 1 agent', localSlots: 1, agents: 1 },
  { label: 'host (1 local slot), 2 agents', localSlots: 1, agents: 2 },
  { label: 'agents only: 0 local slots, 1 agent', localSlots: 0, agents: 1 }
]

const redis = await startRedis()
const results = new Map<string, Measured[]>()
try {
  console.log(`${TRIALS}-trial Isolation Forest search, ${REPEATS} runs per case; load average before: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`)
  for (let r = 0; r < REPEATS; r++) {
    for (const c of cases) {
      const m = await runCase(redis, c.localSlots, c.agents)
      results.set(c.label, [...(results.get(c.label) ?? []), m])
      console.log(`  run ${r + 1} ${c.label}: ${m.wallS.toFixed(1)} s wall, ${m.cpuS.toFixed(1)} CPU s (agents' start-up ${m.agentStartCpuS.toFixed(1)})  (load ${loadavg()[0].toFixed(2)})`)
    }
  }
  console.log('\ncase                                    trials/s (wall)    trials per CPU-second   CPU s          CPU s without agents\' start-up')
  for (const c of cases) {
    const ms = results.get(c.label)!
    const row = [stats(ms.map((m) => TRIALS / m.wallS)).padEnd(19), stats(ms.map((m) => TRIALS / m.cpuS)).padEnd(24), stats(ms.map((m) => m.cpuS)).padEnd(15), stats(ms.map((m) => m.cpuS - m.agentStartCpuS))]
    console.log(`${c.label.padEnd(40)}${row.join('')}`)
  }
  const local = results.get(cases[0].label)!
  const remote = results.get(cases[3].label)!
  const overheadMs = remote.map((m, i) => ((m.wallS - local[i].wallS) / TRIALS) * 1000)
  const overheadCpuMs = remote.map((m, i) => ((m.cpuS - m.agentStartCpuS - local[i].cpuS) / TRIALS) * 1000)
  console.log(`\nper-trial overhead through Redis (one trial at a time, agent vs local slot): ${stats(overheadMs)} ms wall, ${stats(overheadCpuMs)} ms CPU (the agent's start-up left out)`)
  console.log(`load average after: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`)
} finally {
  await redis.stop()
}

/**
 * Scale-out for real: a real `redis-server` (ephemeral port, no persistence), a host on a real
 * workspace and `workbench agent` processes — real BullMQ jobs, real training workers on the
 * agents, real kills. What is checked is what the workspace database says afterwards.
 */
import { describe, it, expect, afterEach } from 'vitest'
import { spawn, type ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { makeHost, smallForestGrid, tempDir, until, REPO } from '../helpers/workspace'
import { startRedis, type TestRedis } from '../helpers/redis'
import type { WorkbenchHost } from '../../src-main/host/workbench-host'
import type { RemoteStatus } from '../../src-main/contract/api'

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

interface AgentProcess {
  child: ChildProcess
  output(): string
  exited: Promise<void>
}

/** A `workbench agent` process with its own folder (its dataset cache). */
function startAgent(redis: TestRedis, name: string, dir: string, env: Record<string, string> = {}): AgentProcess {
  const child = spawn(process.execPath, [join(REPO, 'bin/workbench.cjs'), 'agent', '--redis', redis.url, '--name', name, '--concurrency', '1', '--workspace', join(dir, name)], {
    cwd: REPO,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'pipe']
  })
  let err = ''
  child.stderr!.on('data', (d) => (err += d))
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()))
  cleanups.push(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL')
      await exited
    }
  })
  return { child, output: () => err, exited }
}

async function newRedis(): Promise<TestRedis> {
  const redis = await startRedis()
  cleanups.push(() => redis.stop())
  return redis
}

function newHost(dir: string): WorkbenchHost {
  const host = makeHost(join(dir, 'ws'), { concurrency: 2 })
  cleanups.push(() => host.close())
  return host
}

async function connect(host: WorkbenchHost, redis: TestRedis, localSlots: number): Promise<void> {
  const r = (await host.call('remote.connect', { url: redis.url, localSlots, remember: false })) as { check: { ok: boolean } }
  expect(r.check.ok).toBe(true)
}

async function waitForAgents(host: WorkbenchHost, names: string[]): Promise<void> {
  await until(() => {
    const s = host.remote.status()
    return names.every((n) => s.agents.some((a) => a.name === n))
  }, 60_000, `agents ${names.join(', ')}`)
}

function query<T>(host: WorkbenchHost, sql: string): T[] {
  const db = new Database(host.workspace.dbFile, { readonly: true, fileMustExist: true })
  try {
    return db.prepare(sql).all() as T[]
  } finally {
    db.close()
  }
}

/** Per trial: its status and how many done runs it has. */
function exactlyOnce(host: WorkbenchHost, experimentId: number): { trials: number; done: number; doneRunsPerTrial: number[] } {
  const rows = query<{ status: string; n: number }>(
    host,
    `SELECT t.status, (SELECT COUNT(*) FROM runs r WHERE r.trial_id = t.id AND r.status = 'done') AS n FROM trials t WHERE t.experiment_id = ${experimentId} ORDER BY t.id`
  )
  return { trials: rows.length, done: rows.filter((r) => r.status === 'done').length, doneRunsPerTrial: rows.map((r) => r.n) }
}

/** 12 small forests (about a second each). */
const grid12 = (name: string) => smallForestGrid(name, { nEstimators: [20, 30, 40], seed: [1, 2, 3, 4] })

describe('remote runners through BullMQ on Redis', () => {
  it('a 12-trial search runs across two agents: every trial one done run, each run records its agent, live epochs reach the host', { timeout: 240_000 }, async () => {
    const tmp = tempDir('wb-scale-')
    cleanups.push(tmp.remove)
    const redis = await newRedis()
    const agents = [startAgent(redis, 'agent-a', tmp.dir), startAgent(redis, 'agent-b', tmp.dir)]
    const host = newHost(tmp.dir)
    await connect(host, redis, 0)
    await waitForAgents(host, ['agent-a', 'agent-b'])

    const epochsLive = new Map<number, number>()
    const statuses: RemoteStatus[] = []
    host.onEvent((name, payload) => {
      if (name === 'run.epoch') {
        const { runId } = payload as { runId: number }
        epochsLive.set(runId, (epochsLive.get(runId) ?? 0) + 1)
      }
      if (name === 'remote.changed') statuses.push(payload as RemoteStatus)
    })
    const q = (await host.call('experiments.queue', { spec: grid12('scale-12') })) as { experimentId: number; total: number }
    expect(q.total).toBe(12)
    await host.call('queue.wait', { experimentId: q.experimentId })

    const once = exactlyOnce(host, q.experimentId)
    expect(once).toEqual({ trials: 12, done: 12, doneRunsPerTrial: Array(12).fill(1) })
    const done = query<{ id: number; agent: string | null; backend: string }>(host, `SELECT id, agent, backend FROM runs WHERE experiment_id = ${q.experimentId} AND status = 'done'`)
    expect(done).toHaveLength(12)
    for (const r of done) expect(['agent-a', 'agent-b']).toContain(r.agent)
    // Both agents took trials (each runs one at a time; the host keeps both busy).
    expect(new Set(done.map((r) => r.agent)).size).toBe(2)
    // Live: every run's history points arrived as events while it ran, and were stored.
    const stored = query<{ run_id: number; n: number }>(host, `SELECT run_id, COUNT(*) AS n FROM run_epochs WHERE run_id IN (${done.map((r) => r.id).join(',')}) GROUP BY run_id`)
    expect(stored).toHaveLength(12)
    for (const s of stored) expect(epochsLive.get(s.run_id)).toBe(s.n)
    // The agents were seen, and which trial each ran.
    expect(statuses.some((s) => s.agents.some((a) => a.running.length > 0))).toBe(true)
    // The results are whole: scores stored, so the threshold studio works on a remote run.
    const scores = (await host.call('runs.scores', { id: done[0].id, split: 'test' })) as { count: number }
    expect(scores.count).toBeGreaterThan(0)
    // Each agent fetched the one dataset version once (by hash) and cached it.
    for (const a of agents) expect(a.output()).not.toMatch(/refused|failed/)
  })
})


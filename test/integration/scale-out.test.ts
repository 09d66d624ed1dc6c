/**
 * Scale-out for real: a real `redis-server` (ephemeral port, no persistence), a host on a real
 * workspace and `workbench agent` processes — real BullMQ jobs, real training workers on the
 * agents, real kills. What is checked is what the workspace database says afterwards.
 */
import { describe, it, expect } from 'vitest'
import { join } from 'node:path'
import { writeFileSync } from 'node:fs'
import { makeHost, smallForestGrid, spawnWorkbench, tempDir, until } from '../helpers/workspace'
import type { TestRedis } from '../helpers/redis'
import { connectRemote, queryDatabase, queryHost as query, remoteHostsPerTest, remoteStates } from '../helpers/remote-host'
import type { WorkbenchHost } from '../../src-main/host/workbench-host'
import type { RemoteStatus } from '../../src-main/contract/api'
import { checkRedis, redisConnection } from '../../src-main/host/remote/connection'
import { DatasetCache, publishDataset } from '../../src-main/host/remote/dataset-transfer'
import { openDatabase } from '../../src-main/core/store/database'
import { getDatasetMeta, loadDataset } from '../../src-main/core/store/datasets-repo'
import { contentHash } from '../../src-main/core/data/content-hash'
import { generateHeliosDetection } from '../../src-main/core/data/helios-detection'

const { defer, newRedis } = remoteHostsPerTest()

type WorkbenchProcess = ReturnType<typeof spawnWorkbench>

/** A `workbench` process (killed after the test if still running). */
function workbench(args: string[], env: Record<string, string> = {}): WorkbenchProcess {
  const p = spawnWorkbench(args, env)
  const { child, exited } = p
  defer(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL')
      await exited
    }
  })
  return p
}

/** A `workbench agent` process (one trial at a time) with its own folder (its dataset cache). */
function startAgent(redis: TestRedis, name: string, dir: string, env: Record<string, string> = {}): WorkbenchProcess {
  return workbench(['agent', '--redis', redis.url, '--name', name, '--concurrency', '1', '--workspace', join(dir, name)], env)
}

/** A scratch folder, a fresh redis-server, and agents agent-a and agent-b on it (their workspaces in the folder). */
async function twoAgents(prefix: string, env: Record<string, string> = {}): Promise<{ dir: string; redis: TestRedis; agents: [WorkbenchProcess, WorkbenchProcess] }> {
  const tmp = tempDir(prefix)
  defer(tmp.remove)
  const redis = await newRedis()
  return { dir: tmp.dir, redis, agents: [startAgent(redis, 'agent-a', tmp.dir, env), startAgent(redis, 'agent-b', tmp.dir, env)] }
}

/**
 * Two agents with short job locks (a stalled agent's trial is handed on within seconds, not
 * BullMQ's default 30 s), a host sending them a search of slow trials, and the run of the first
 * trial agent-a took, once it reported progress.
 */
async function slowSearchOnTwoAgents(prefix: string, seeds: number[]): Promise<{ host: WorkbenchHost; a: WorkbenchProcess; experimentId: number; victim: number }> {
  const {
    dir,
    redis,
    agents: [a]
  } = await twoAgents(prefix, { WORKBENCH_AGENT_LOCK_MS: '3000' })
  const host = newHost(dir)
  await connectRemote(host, redis, 0, ['agent-a', 'agent-b'])
  const q = (await host.call('experiments.queue', { spec: slowGrid(prefix, seeds) })) as { experimentId: number }
  let victim = 0
  await until(() => {
    victim = query<{ id: number }>(host, `SELECT id FROM runs WHERE status = 'running' AND agent = 'agent-a'`)[0]?.id ?? 0
    return victim > 0 && (host.runs.liveProgress(victim)?.fraction ?? 0) > 0
  }, 120_000, 'a trial running on agent-a')
  return { host, a, experimentId: q.experimentId, victim }
}

function newHost(dir: string): WorkbenchHost {
  const host = makeHost(join(dir, 'ws'), { concurrency: 2 })
  defer(() => host.close())
  return host
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
    const { dir, redis, agents } = await twoAgents('wb-scale-')
    const host = newHost(dir)
    await connectRemote(host, redis, 0, ['agent-a', 'agent-b'])

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
    // None came late with the result: they came as live messages.
    expect(query(host, `SELECT run_id FROM run_logs WHERE message LIKE '%did not arrive live%'`)).toEqual([])
    // The agents' own messages reached each run's log (they come only as live progress).
    const started = query<{ run_id: number }>(host, `SELECT DISTINCT run_id FROM run_logs WHERE message LIKE 'agent agent-_ started on backend %'`)
    expect(started.map((l) => l.run_id).sort()).toEqual(done.map((r) => r.id).sort())
    // The agents were seen, and which trial each ran.
    expect(statuses.some((s) => s.agents.some((a) => a.running.length > 0))).toBe(true)
    // The results are whole: scores stored, so the threshold studio works on a remote run.
    const scores = (await host.call('runs.scores', { id: done[0].id, split: 'test' })) as { count: number }
    expect(scores.count).toBeGreaterThan(0)
    // Each agent fetched the search's one dataset version once, by hash, and checked it.
    for (const a of agents) {
      expect(a.output().match(/dataset version \w+ fetched .*hash checked, cached/g)).toHaveLength(1)
      expect(a.output()).not.toMatch(/refused|failed/)
    }
  })

  it('an agent SIGKILLed mid-trial: the stalled check hands its trial to the other agent, and every trial still ends with one done run', { timeout: 300_000 }, async () => {
    const { host, a, experimentId, victim } = await slowSearchOnTwoAgents('wb-scale-kill-', [1, 2, 3, 4])
    a.child.kill('SIGKILL')
    await a.exited
    await host.call('queue.wait', { experimentId })

    expect(exactlyOnce(host, experimentId)).toEqual({ trials: 4, done: 4, doneRunsPerTrial: [1, 1, 1, 1] })
    // The killed agent's trial finished on the other one, in the same run (nothing was written twice).
    const run = query<{ status: string; agent: string }>(host, `SELECT status, agent FROM runs WHERE id = ${victim}`)[0]
    expect(run).toEqual({ status: 'done', agent: 'agent-b' })
    const logs = query<{ message: string }>(host, `SELECT message FROM run_logs WHERE run_id = ${victim}`).map((l) => l.message)
    expect(logs.some((m) => /agent agent-a stopped answering; running on agent agent-b/.test(m))).toBe(true)
  })

  it('Redis restarted empty during a search: the local slot keeps running, remote trials resume, every trial ends with one done run', { timeout: 300_000 }, async () => {
    const { dir, redis } = await twoAgents('wb-scale-redis-')
    const host = newHost(dir)
    await connectRemote(host, redis, 1, ['agent-a', 'agent-b'])
    const states = remoteStates(host)
    const q = (await host.call('experiments.queue', { spec: slowGrid('scale-redis', [1, 2, 3, 4, 5, 6]) })) as { experimentId: number }
    await until(() => query(host, `SELECT id FROM runs WHERE status = 'running' AND agent IS NOT NULL`).length > 0, 120_000, 'a remote trial running')
    const doneBefore = exactlyOnce(host, q.experimentId).done
    await redis.restart(2000)
    await host.call('queue.wait', { experimentId: q.experimentId })

    expect(exactlyOnce(host, q.experimentId)).toEqual({ trials: 6, done: 6, doneRunsPerTrial: Array(6).fill(1) })
    expect(doneBefore).toBeLessThan(6)
    // The host saw Redis go and come back (the UI shows the state from these events).
    expect(states).toContain('down')
    expect(states.lastIndexOf('connected')).toBeGreaterThan(states.indexOf('down'))
    // Trials ran both here and on the agents.
    const where = query<{ agent: string | null }>(host, `SELECT agent FROM runs WHERE experiment_id = ${q.experimentId} AND status = 'done'`).map((r) => r.agent)
    expect(where).toContain(null)
    expect(where.some((a) => a !== null)).toBe(true)
  })

  it('the host killed mid-search: a new host takes the results of the jobs still in Redis — no duplicates, no losses', { timeout: 300_000 }, async () => {
    const { dir, redis } = await twoAgents('wb-scale-host-')
    const ws = join(dir, 'ws')
    const file = join(dir, 'search.json')
    writeFileSync(file, JSON.stringify(slowGrid('scale-host', [1, 2, 3, 4])))
    const args = ['run', file, '--workspace', ws, '--redis', redis.url, '--local-slots', '0', '--json']
    const first = workbench(args)
    await until(() => queryWs<{ id: number }>(ws, `SELECT id FROM runs WHERE status = 'running' AND agent IS NOT NULL`).length > 0, 120_000, 'a remote trial running')
    first.child.kill('SIGKILL')
    await first.exited
    const second = await workbench(args).exited
    expect(second.code, second.stderr).toBe(0)

    const perTrial = queryWs<{ status: string; n: number }>(ws, `SELECT t.status, (SELECT COUNT(*) FROM runs r WHERE r.trial_id = t.id AND r.status = 'done') AS n FROM trials t`)
    expect(perTrial).toEqual(Array(4).fill({ status: 'done', n: 1 }))
    // The dead host's runs were interrupted; their trials were done once by the new host.
    const interrupted = queryWs<{ trial_id: number }>(ws, `SELECT trial_id FROM runs WHERE status = 'interrupted'`)
    expect(interrupted.length).toBeGreaterThan(0)
    const board = JSON.parse(second.stdout) as { trials: { status: string }[] }
    expect(board.trials.every((t) => t.status === 'done')).toBe(true)
    // `runs list --json` and `runs show --json` say where each run ran.
    const list = await workbench(['runs', 'list', '--workspace', ws, '--json']).exited
    const listed = JSON.parse(list.stdout) as { id: number; status: string; agent: string | null }[]
    for (const r of listed.filter((x) => x.status === 'done')) expect(['agent-a', 'agent-b']).toContain(r.agent)
    const show = await workbench(['runs', 'show', String(listed[0].id), '--workspace', ws, '--json']).exited
    expect(['agent-a', 'agent-b']).toContain((JSON.parse(show.stdout) as { agent: string }).agent)
  })

  it('a trial run twice (its agent stalled, was given up, and came back) is written once', { timeout: 300_000 }, async () => {
    const { host, a, experimentId, victim } = await slowSearchOnTwoAgents('wb-scale-dup-', [1, 2])
    // Frozen: no lock renewal, so BullMQ gives its job to agent-b; its training worker finishes meanwhile.
    a.child.kill('SIGSTOP')
    await until(() => query(host, `SELECT id FROM runs WHERE id = ${victim} AND agent = 'agent-b'`).length > 0, 120_000, 'the trial taken over by agent-b')
    a.child.kill('SIGCONT')
    await host.call('queue.wait', { experimentId })
    // agent-a comes back with its result of the same trial: it is not written again.
    await new Promise((r) => setTimeout(r, 3000))
    expect(exactlyOnce(host, experimentId)).toEqual({ trials: 2, done: 2, doneRunsPerTrial: [1, 1] })
    expect(query<{ n: number }>(host, `SELECT COUNT(*) AS n FROM runs WHERE experiment_id = ${experimentId}`)[0].n).toBe(2)
    // agent-a no longer held the job: it did not store its result over agent-b's…
    await until(() => /trial \S+ was handed to another agent while this one was not answering: its result here is dropped/.test(a.output()), 60_000, 'agent-a dropping its late result')
    // …and its late live messages did not move the run back to it: the run names the agent whose result was written.
    expect(query<{ agent: string }>(host, `SELECT agent FROM runs WHERE id = ${victim}`)[0].agent).toBe('agent-b')
    const moves = query<{ message: string }>(host, `SELECT message FROM run_logs WHERE run_id = ${victim} AND message LIKE '%running on agent%' ORDER BY id`).map((l) => l.message)
    expect(moves.at(-1)).toMatch(/running on agent agent-b/)
    expect(moves.filter((m) => /running on agent agent-a/.test(m))).toHaveLength(1)
  })
})

describe('cancelling a remote run', () => {
  it('ends the run as cancelled at once and stops the agent training it; the agent then takes the next trial', { timeout: 300_000 }, async () => {
    const { host, a, experimentId, victim } = await slowSearchOnTwoAgents('wb-scale-cancel-', [1, 2, 3])
    const r = (await host.call('runs.cancel', { id: victim })) as { cancelled: boolean }
    expect(r.cancelled).toBe(true)
    expect(query<{ status: string }>(host, `SELECT status FROM runs WHERE id = ${victim}`)[0].status).toBe('cancelled')
    // The agent heard it (its training worker stopped) and goes on with the search.
    await until(() => /trial \S+ cancelled by the host \(.*\): stopping its training worker/.test(a.output()), 60_000, 'agent-a stopping the cancelled trial')
    await host.call('queue.wait', { experimentId })
    const trials = query<{ status: string }>(host, `SELECT status FROM trials WHERE experiment_id = ${experimentId} ORDER BY id`).map((t) => t.status)
    expect(trials.filter((t) => t === 'cancelled')).toHaveLength(1)
    expect(trials.filter((t) => t === 'done')).toHaveLength(2)
  })
})

describe('the Connect check', () => {
  it('says what is wrong: not a Redis URL, nothing listening, refused credentials; and the version when it connects', { timeout: 60_000 }, async () => {
    const redis = await newRedis(['--requirepass', 'pa55'])
    expect(await checkRedis('http://127.0.0.1:6379')).toMatchObject({ ok: false, problem: 'bad-url', message: expect.stringMatching(/redis:\/\/ or rediss:\/\//) })
    expect(await checkRedis('redis://127.0.0.1:6379/x')).toMatchObject({ ok: false, problem: 'bad-url', message: expect.stringMatching(/database number/) })
    expect(await checkRedis('redis://127.0.0.1:1')).toMatchObject({ ok: false, problem: 'unreachable', message: expect.stringMatching(/cannot reach redis:\/\/127\.0\.0\.1:1/) })
    expect(await checkRedis(redis.url)).toMatchObject({ ok: false, problem: 'auth' })
    const wrong = await checkRedis(`redis://:nope@127.0.0.1:${redis.port}`)
    expect(wrong).toMatchObject({ ok: false, problem: 'auth' })
    // The password never appears in what is said.
    expect(JSON.stringify(wrong)).not.toContain('nope')
    expect(await checkRedis(`redis://:pa55@127.0.0.1:${redis.port}/2`)).toMatchObject({ ok: true, version: expect.stringMatching(/^\d+\.\d+/) })
  })
})

describe('dataset versions travel by content hash', () => {
  it('an agent fetches a version once, checks its hash, and refuses data that does not hash to the id it was sent under', { timeout: 60_000 }, async () => {
    const tmp = tempDir('wb-scale-data-')
    defer(tmp.remove)
    const redis = await newRedis()
    const conn = redisConnection(redis.url, { blocking: true, name: 'test' })
    defer(() => conn.disconnect())
    const db = openDatabase(join(tmp.dir, 'cache.db'))
    defer(() => void db.close())
    const series = generateHeliosDetection({ days: 1, seed: 9 })
    const other = generateHeliosDetection({ days: 1, seed: 10 })
    const hash = contentHash(series)
    const cache = new DatasetCache(db, conn, 'q')
    await publishDataset(conn, 'q', hash, () => series)
    await cache.ensure([hash, hash])
    await cache.ensure([hash])
    expect(cache.fetched).toBe(1)
    expect(contentHash(loadDataset(db, hash))).toBe(hash)
    // Another version's data published under a third id: refused, nothing cached.
    const forged = 'f'.repeat(64)
    await publishDataset(conn, 'q', forged, () => other)
    await expect(cache.ensure([forged])).rejects.toThrow(/arrived with content hashing to .* refused/)
    expect(getDatasetMeta(db, forged)).toBeNull()
  })
})

/** Trials of a few seconds each (60 days of data, 800 trees), so an agent can be caught in one. */
function slowGrid(name: string, seeds: number[]) {
  return {
    ...smallForestGrid(name, { seed: seeds }),
    dataset: { generator: 'helios-detection', params: { days: 60, seed: 5 } },
    model: { kind: 'iforest', params: { nEstimators: 800, maxSamples: 512 } }
  }
}

/** A `workbench` process's workspace database as it is now; nothing while the host has not made it yet. */
function queryWs<T>(ws: string, sql: string): T[] {
  try {
    return queryDatabase<T>(join(ws, 'workbench.db'), sql)
  } catch {
    return []
  }
}

/**
 * Remote runners under faults and hostile input (issue 14): a real redis-server and a real host;
 * where an agent must misbehave on cue, the agent is a stand-in in this process — a real BullMQ
 * worker on the host's queue that reports itself as agents do and sends what the test tells it
 * (anyone holding the Redis password can write the same). What is checked is what the workspace
 * database and the host's status say.
 */
import { describe, it, expect } from 'vitest'
import { createServer } from 'node:net'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Queue, Worker, type Job } from 'bullmq'
import type { Redis } from 'ioredis'
import { makeHost, smallForestGrid, spawnWorkbench, tempDir, until } from '../helpers/workspace'
import type { TestRedis } from '../helpers/redis'
import { connectRemote, queryHost, remoteHostsPerTest, remoteStates } from '../helpers/remote-host'
import { WAITING_FOR_AGENT, type RemoteStatus } from '../../src-main/contract/api'
import type { WorkbenchHost } from '../../src-main/host/workbench-host'
import { checkRedis, redisConnection } from '../../src-main/host/remote/connection'
import { removeAgentReport, writeAgentReport } from '../../src-main/host/remote/agent-registry'
import { DatasetCache, publishDataset } from '../../src-main/host/remote/dataset-transfer'
import { TrialAgent } from '../../src-main/host/remote/agent'
import { DEFAULT_QUEUE, encode, encodeMessage, keys, MAX_RESULT_BYTES, type RemoteTrialJob } from '../../src-main/host/remote/wire'
import { NodeWorkerLauncher } from '../../src-main/host/node-worker-launcher'
import { openDatabase } from '../../src-main/core/store/database'
import { WORKBENCH_VERSION } from '../../src-main/host/app-meta'
import type { FromWorker } from '../../src-main/workers/protocol'
import { generateHeliosDetection } from '../../src-main/core/data/helios-detection'
import { contentHash } from '../../src-main/core/data/content-hash'

const { defer, newHost, newRedis } = remoteHostsPerTest()

function connection(redis: TestRedis): Redis {
  const c = redisConnection(redis.url, { blocking: true, name: 'test' })
  defer(() => c.disconnect())
  return c
}

type Processor = (job: Job<RemoteTrialJob>, token: string | undefined) => Promise<unknown>

/**
 * A stand-in agent: a BullMQ worker named `name` that hands each job to `process`, and reports
 * itself every half second until `leave()` (which also ends its worker without finishing its job,
 * as a killed agent's). `lockMs` short and never renewed: a job it holds stalls after that long.
 */
function standIn(redis: TestRedis, name: string, process: Processor, opts: { lockMs?: number } = {}): { leave(): Promise<void> } {
  const conn = connection(redis)
  const report = () => writeAgentReport(conn, DEFAULT_QUEUE, { name, machine: 'test', backend: 'cpu', concurrency: 1, running: [], paused: false, heartbeatAt: Date.now(), workbenchVersion: WORKBENCH_VERSION })
  const timer = setInterval(() => void report().catch(() => {}), 500)
  void report()
  const lock = opts.lockMs ? { lockDuration: opts.lockMs, lockRenewTime: 3_600_000, stalledInterval: 500 } : { stalledInterval: 500 }
  const worker = new Worker<RemoteTrialJob>(DEFAULT_QUEUE, process, { connection: redisConnection(redis.url, { blocking: true, name }), name, concurrency: 1, ...lock })
  worker.on('error', () => {})
  let gone = false
  const leave = async () => {
    if (gone) return
    gone = true
    clearInterval(timer)
    await removeAgentReport(conn, DEFAULT_QUEUE, name).catch(() => {})
    await worker.close(true).catch(() => {})
  }
  defer(leave)
  return { leave }
}

/** What a stand-in sends as a live message: a training worker's message, as an agent wraps it. */
function live(name: string, message: FromWorker): { agent: { name: string; machine: string; backend: string }; message: string } {
  return { agent: { name, machine: 'test', backend: 'cpu' }, message: encodeMessage(message) }
}

const epoch = (n: number, loss: number): FromWorker => ({ type: 'epoch', epoch: n, metrics: { loss }, confusion: null })

/** Resolves once `check` says yes (asked every 100 ms, for a minute at most). */
async function eventually(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (await check()) return
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error(`timed out waiting for ${what}`)
}

async function queueSearch(host: WorkbenchHost, name: string, seeds: number[]): Promise<number> {
  return ((await host.call('experiments.queue', { spec: smallForestGrid(name, { seed: seeds }) })) as { experimentId: number }).experimentId
}

function runsOf(host: WorkbenchHost, experimentId: number): { id: number; status: string; status_reason: string | null; agent: string | null }[] {
  return queryHost(host, `SELECT id, status, status_reason, agent FROM runs WHERE experiment_id = ${experimentId} ORDER BY id`)
}

describe('hostile input on the remote doors', () => {
  it('a live message that is not an agent’s (wrong fields, undecodable, over the size cap) fails its run naming the job and field; the host goes on', { timeout: 120_000 }, async () => {
    const redis = await newRedis()
    const conn = connection(redis)
    const { host } = newHost({ prefix: 'wb-remote-msg-' })
    const sent = [
      { agent: 'agent-x', message: 12 },
      { agent: { name: 'agent-x', machine: 'test', backend: 'cpu' }, message: Buffer.from('not a v8 value').toString('base64') },
      { agent: { name: 'agent-x', machine: 'test', backend: 'cpu' }, message: 'A'.repeat(5 * 2 ** 20) }
    ]
    let n = 0
    standIn(redis, 'agent-x', async (job) => {
      await job.updateProgress(sent[n++ % sent.length])
      // The host tells the agent to stop the trial it refused.
      await eventually(async () => (await conn.exists(keys.cancel(DEFAULT_QUEUE, job.id!))) === 1, "the host's word to stop")
      throw new Error('stopped by the host')
    })
    await connectRemote(host, redis, 0, ['agent-x'])
    const experimentId = await queueSearch(host, 'remote-bad-messages', [1, 2, 3])
    await host.call('queue.wait', { experimentId })

    const reasons = runsOf(host, experimentId).map((r) => [r.status, r.status_reason])
    expect(reasons).toEqual([
      ['failed', expect.stringMatching(/^a live message of job \S+ is malformed \(agent: /)],
      ['failed', expect.stringMatching(/^a live message of job \S+ from agent agent-x could not be decoded/)],
      ['failed', expect.stringMatching(/^a live message of job \S+ is malformed \(message: /)]
    ])
    expect(host.remote.status().state).toBe('connected')
  })

  it('a result that is not a result (wrong shape, unreadable bytes, over the 256 MiB cap) fails its run naming the job and field; Redis is not taken for down', { timeout: 120_000 }, async () => {
    const redis = await newRedis()
    const conn = connection(redis)
    const { host } = newHost({ prefix: 'wb-remote-result-' })
    const results: ((job: Job<RemoteTrialJob>, resultKey: string) => Promise<unknown>)[] = [
      (job, key) => conn.set(key, encode({ agent: { name: 'agent-x', machine: 'test', backend: 'cpu' }, runId: job.data.trial.runId, done: {}, epochs: 'none', artifactsDir: '/x', files: [] })),
      (_job, key) => conn.set(key, Buffer.from('not a v8 value')),
      // One byte over the cap, made by Redis itself (a zero-filled string) rather than sent from here.
      (_job, key) => conn.setrange(key, MAX_RESULT_BYTES, 'x')
    ]
    let n = 0
    standIn(redis, 'agent-x', async (job) => {
      const resultKey = keys.result(DEFAULT_QUEUE, job.id!)
      await results[n++ % results.length](job, resultKey)
      return { resultKey, bytes: 0 }
    })
    const states = remoteStates(host)
    await connectRemote(host, redis, 0, ['agent-x'])
    const experimentId = await queueSearch(host, 'remote-bad-results', [1, 2, 3])
    await host.call('queue.wait', { experimentId })

    expect(runsOf(host, experimentId).map((r) => [r.status, r.status_reason])).toEqual([
      ['failed', expect.stringMatching(/^the result of job \S+ in Redis is malformed \(epochs: /)],
      ['failed', expect.stringMatching(/^the result of job \S+ in Redis could not be read: /)],
      ['failed', expect.stringMatching(/^the result of job \S+ in Redis is 268,435,457 bytes, over the 256 MiB a host takes: refused$/)]
    ])
    expect(states).not.toContain('down')
    // Refused results are not left behind to be taken again.
    expect(await conn.keys(keys.result(DEFAULT_QUEUE, '*'))).toEqual([])
  })

  it('an agent given garbage job data fails that job naming the job and field, and goes on taking jobs', { timeout: 60_000 }, async () => {
    const redis = await newRedis()
    const tmp = tempDir('wb-remote-agent-')
    defer(tmp.remove)
    const lines: string[] = []
    const agent = new TrialAgent({ url: redis.url, queue: DEFAULT_QUEUE, name: 'agent-g', concurrency: 1, dir: tmp.dir, launcher: new NodeWorkerLauncher(), backend: 'cpu', log: (l) => lines.push(l) })
    defer(() => agent.close())
    const queue = new Queue(DEFAULT_QUEUE, { connection: connection(redis) })
    defer(() => queue.close())
    await queue.add('trial', { trial: { runId: 'seven', spec: {} }, datasets: 'all' }, { jobId: 'garbage-1' })
    await queue.add('trial', 'just a string', { jobId: 'garbage-2' })
    const failed = async (id: string) => ((await queue.getJob(id))?.failedReason ?? '') !== ''
    await eventually(async () => (await failed('garbage-1')) && (await failed('garbage-2')), 'both jobs failed')
    expect((await queue.getJob('garbage-1'))?.failedReason).toMatch(/^job garbage-1's data is malformed \(trial\.runId: .*; trial\.spec\.name: /)
    expect((await queue.getJob('garbage-2'))?.failedReason).toMatch(/^job garbage-2's data is malformed \(\(whole\): /)
  })

  it('dataset chunks that are not what a host writes (a bad count, an oversized chunk, unreadable bytes) are refused by name; a host republishes over a bad count', { timeout: 60_000 }, async () => {
    const redis = await newRedis()
    const conn = connection(redis)
    const tmp = tempDir('wb-remote-chunks-')
    defer(tmp.remove)
    const db = openDatabase(join(tmp.dir, 'cache.db'))
    defer(() => void db.close())
    const cache = new DatasetCache(db, conn, 'q')
    const [h1, h2, h3] = ['a', 'b', 'c'].map((c) => c.repeat(64))
    await conn.set(keys.dataChunks('q', h1), '1e9')
    await expect(cache.ensure([h1])).rejects.toThrow(/^dataset version aaaaaaaaaaaa: its chunk count in Redis is '1e9', not 1-\d+: refused/)
    await conn.set(keys.dataChunks('q', h2), '1')
    await conn.set(keys.dataChunk('q', h2, 0), Buffer.alloc(8 * 2 ** 20 + 1))
    await expect(cache.ensure([h2])).rejects.toThrow(/^dataset version bbbbbbbbbbbb: chunk 1 of 1 is 8388609 bytes, over the 8388608 a chunk holds: refused/)
    await conn.set(keys.dataChunks('q', h3), '1')
    await conn.set(keys.dataChunk('q', h3, 0), 'not a v8 value')
    await expect(cache.ensure([h3])).rejects.toThrow(/^dataset version cccccccccccc arrived unreadable \(.*\): refused/)
    // The host meets a count it did not write: it writes the version again instead of trusting it.
    const series = generateHeliosDetection({ days: 1, seed: 9 })
    const hash = contentHash(series)
    await conn.set(keys.dataChunks('q', hash), 'many')
    await publishDataset(conn, 'q', hash, () => series)
    await cache.ensure([hash])
    expect(cache.fetched).toBe(1)
  })

  it('the Connect check says "wrong version" for a server older than BullMQ needs (a real socket speaking the Redis protocol)', { timeout: 30_000 }, async () => {
    const info = '# Server\r\nredis_version:4.0.9\r\nloading:0\r\n'
    const server = createServer((socket) => {
      socket.on('data', (d) => {
        // One reply per command in the chunk (each starts an array: `*<n>` at a line start).
        for (const _ of d.toString().matchAll(/(^|\r\n)\*\d+\r\n/g)) socket.write(`$${Buffer.byteLength(info)}\r\n${info}\r\n`)
      })
      socket.on('error', () => {})
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    defer(() => new Promise<void>((r) => server.close(() => r())))
    const port = (server.address() as { port: number }).port
    expect(await checkRedis(`redis://127.0.0.1:${port}`)).toEqual({ ok: false, problem: 'version', message: `redis://127.0.0.1:${port} runs Redis 4.0.9; BullMQ needs 5.0.0 or newer` })
  })
})

describe('the agent a run records', () => {
  it('is the one holding the job: a stalled agent that comes back neither moves the run to itself nor adds its history points', { timeout: 120_000 }, async () => {
    const redis = await newRedis()
    const { host } = newHost({ prefix: 'wb-remote-stale-' })
    let takenOver!: () => void
    const tookOver = new Promise<void>((r) => (takenOver = r))
    let lateSent!: () => void
    const late = new Promise<void>((r) => (lateSent = r))
    const hold = new Promise<never>(() => {})
    // agent-a takes the trial, says so, and stalls (its lock is never renewed); agent-b's stalled check hands it over.
    standIn(redis, 'agent-a', async (job) => {
      await job.updateProgress(live('agent-a', { type: 'log', level: 'info', message: 'agent-a here' }))
      await tookOver
      // Back: its late history point.
      await job.updateProgress(live('agent-a', epoch(5, 0.99)))
      lateSent()
      return hold
    }, { lockMs: 1000 })
    await connectRemote(host, redis, 0, ['agent-a'])
    const experimentId = await queueSearch(host, 'remote-stale', [1])
    await until(() => runsOf(host, experimentId)[0]?.agent === 'agent-a', 30_000, 'the run on agent-a')
    const runId = runsOf(host, experimentId)[0].id
    standIn(redis, 'agent-b', async (job) => {
      await job.updateProgress(live('agent-b', epoch(1, 0.5)))
      takenOver()
      await late
      await job.updateProgress(live('agent-b', epoch(2, 0.4)))
      return hold
    })
    // agent-b's second point comes after agent-a's late one (one event stream, in order).
    await until(() => queryHost(host, `SELECT epoch FROM run_epochs WHERE run_id = ${runId} AND epoch = 2`).length === 1, 60_000, "agent-b's second point")
    expect(runsOf(host, experimentId)[0].agent).toBe('agent-b')
    expect(queryHost<{ epoch: number }>(host, `SELECT epoch FROM run_epochs WHERE run_id = ${runId} ORDER BY epoch`).map((e) => e.epoch)).toEqual([1, 2])
    const moves = queryHost<{ message: string }>(host, `SELECT message FROM run_logs WHERE run_id = ${runId} AND message LIKE '%running on agent%' ORDER BY id`).map((l) => l.message)
    expect(moves).toEqual([expect.stringMatching(/^running on agent agent-a/), expect.stringMatching(/^agent agent-a stopped answering; running on agent agent-b/)])
    await host.call('runs.cancel', { id: runId })
  })
})

describe('falling back to local slots', () => {
  it('a remote trial whose agent is gone, with no other agent, waits and says so while the local slot is busy, then runs here', { timeout: 180_000 }, async () => {
    const redis = await newRedis()
    const { host } = newHost({ prefix: 'wb-remote-fallback-' })
    let took!: () => void
    const taken = new Promise<void>((r) => (took = r))
    const agent = standIn(redis, 'agent-a', async (job) => {
      await job.updateProgress(live('agent-a', { type: 'log', level: 'info', message: 'agent-a here' }))
      took()
      return new Promise<never>(() => {})
    }, { lockMs: 1000 })
    await connectRemote(host, redis, 1, ['agent-a'])
    // Two slow trials (tens of seconds here): one in the local slot, one on agent-a.
    const spec = { ...smallForestGrid('remote-fallback', { seed: [1, 2] }), dataset: { generator: 'helios-detection', params: { days: 90, seed: 5 } }, model: { kind: 'iforest', params: { nEstimators: 1500, maxSamples: 512 } } }
    const experimentId = ((await host.call('experiments.queue', { spec })) as { experimentId: number }).experimentId
    await taken
    await until(() => runsOf(host, experimentId).some((r) => r.agent === 'agent-a'), 30_000, 'the run on agent-a')
    const remoteRun = runsOf(host, experimentId).find((r) => r.agent === 'agent-a')!.id
    await agent.leave()
    // No agent left and the local slot busy: the trial waits, and says why.
    await until(() => host.runs.liveProgress(remoteRun)?.stage === WAITING_FOR_AGENT, 60_000, 'the trial waiting for an agent')
    expect(host.runs.liveProgress(remoteRun)?.message).toMatch(/^waiting for an agent: agent agent-a stopped reporting and no other agent serves queue 'workbench'/)
    expect(host.remote.status()).toMatchObject({ inFlight: 1, waiting: 1 })
    expect(runsOf(host, experimentId).filter((r) => r.status === 'running')).toHaveLength(2)
    await host.call('queue.wait', { experimentId })

    expect(runsOf(host, experimentId).map((r) => [r.status, r.agent])).toEqual([
      ['done', null],
      ['done', null]
    ])
    const logs = queryHost<{ message: string }>(host, `SELECT message FROM run_logs WHERE run_id = ${remoteRun}`).map((l) => l.message)
    expect(logs).toContainEqual(expect.stringMatching(/^agent agent-a stopped reporting and no other agent serves queue 'workbench': the trial runs on this machine instead/))
    expect(host.remote.status()).toMatchObject({ inFlight: 0, waiting: 0 })
  })

  it('with no local slot and no agent, `workbench run --redis` says it is waiting for an agent', { timeout: 120_000 }, async () => {
    const redis = await newRedis()
    const tmp = tempDir('wb-remote-cli-wait-')
    defer(tmp.remove)
    const file = join(tmp.dir, 'search.json')
    writeFileSync(file, JSON.stringify(smallForestGrid('remote-cli-wait', { seed: [1, 2] })))
    const run = spawnWorkbench(['run', file, '--workspace', join(tmp.dir, 'ws'), '--redis', redis.url, '--local-slots', '0'])
    defer(async () => {
      run.child.kill('SIGKILL')
      await run.exited
    })
    await until(() => /waiting for an agent: 0\/2 done; no agent serves queue 'workbench' and there are no local slots/.test(run.output()), 90_000, 'the waiting message')
  })
})

describe('a remembered Redis URL that is down when the host opens', () => {
  it('is retried with backoff, the status saying "reconnecting" and the last error, and connects by itself when Redis returns', { timeout: 120_000 }, async () => {
    const redis = await newRedis()
    const tmp = tempDir('wb-remote-restore-')
    defer(tmp.remove)
    const ws = join(tmp.dir, 'ws')
    // Connected in the app (remembered by the workspace); the app closes; Redis goes down.
    const first = makeHost(ws)
    const r = (await first.call('remote.connect', { url: redis.url, localSlots: 1 })) as { check: { ok: boolean } }
    expect(r.check.ok).toBe(true)
    await first.close()
    await redis.stop()
    const host = makeHost(ws)
    defer(() => host.close())
    const tries: number[] = []
    host.onEvent((name, payload) => {
      const s = payload as RemoteStatus
      if (name === 'remote.changed' && s.state === 'reconnecting') tries.push(s.retryAt! - Date.now())
    })
    await host.remote.restore()
    expect(host.remote.status()).toMatchObject({ state: 'reconnecting', url: redis.url, message: expect.stringMatching(/^cannot reach redis:\/\/127\.0\.0\.1:\d+: /), retryAt: expect.any(Number) })
    // Tried again, waiting longer each time.
    await until(() => tries.length >= 3, 30_000, 'three tries')
    expect(tries[1]).toBeGreaterThan(tries[0])
    expect(tries[2]).toBeGreaterThan(tries[1])
    await redis.start()
    await until(() => host.remote.status().state === 'connected', 60_000, 'connected by itself')
    expect(host.remote.status()).toMatchObject({ state: 'connected', message: null, retryAt: null, localSlots: 1 })
  })
})

describe('Redis down', () => {
  it('the host still closes (its remote connection waits on nothing)', { timeout: 60_000 }, async () => {
    const redis = await newRedis()
    const tmp = tempDir('wb-remote-close-')
    defer(tmp.remove)
    const host = makeHost(join(tmp.dir, 'ws'))
    await connectRemote(host, redis, 1)
    await redis.stop()
    await until(() => host.remote.status().state === 'down', 30_000, 'the host seeing Redis down')
    let closed = false
    const closing = host.close().then(() => (closed = true))
    await until(() => closed, 20_000, 'the host closed')
    await closing
  })
})

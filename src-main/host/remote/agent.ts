/**
 * `workbench agent`: takes trials from a workspace's BullMQ queue and runs them in this machine's
 * own training workers (host/training-workers.ts: warm workers, the best backend here), as the
 * host would run a local trial. It opens no port: it connects out to Redis and nothing else.
 *
 * Per job: the dataset versions the trial reads are fetched once by content hash into the agent's
 * cache database (dataset-transfer.ts); the training job is the one a local worker gets, pointed
 * at that cache and a scratch artifact folder; each worker message goes back as job progress; the
 * final result (metrics, per-window scores, trained model, artifact files) is stored under a key
 * of its own — scores and weights can be megabytes — and the job returns that key. A trial that
 * fails fails its job (BullMQ keeps the reason); the host writes what came back.
 *
 * A job whose agent dies is handed to another by BullMQ's stalled-job check: every agent runs it
 * (`stalledInterval`), so the survivors recover a dead one's trials after its lock expires.
 */
import { hostname } from 'node:os'
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { join, relative } from 'node:path'
import { Worker, type Job } from 'bullmq'
import type { Redis } from 'ioredis'
import { openDatabase, type Db } from '../../core/store/database'
import { probeTfjsBackends, chooseTfjsBackend } from '../../core/models/tfjs-backends'
import type { Epoch } from '../../core/store/run-schemas'
import type { FromWorker, TrainingJob } from '../../workers/protocol'
import { TrainingWorkers, DEFAULT_WARM_WORKERS } from '../training-workers'
import type { WorkerLauncher } from '../worker-launcher'
import { WORKBENCH_VERSION } from '../app-meta'
import { threadsPerTrial } from '../compute-threads'
import type { Agent } from '../../contract/remote'
import { closeAll, redisConnection, redactedUrl } from './connection'
import { DatasetCache } from './dataset-transfer'
import { AGENT_REPORT_MS, agentPaused, removeAgentReport, writeAgentReport } from './agent-registry'
import { encode, encodeMessage, keys, readWire, remoteTrialJobSchema, KEEP_SECONDS, MAX_RESULT_BYTES, resultOverCap, type AgentRef, type RemoteProgress, type RemoteResult, type RemoteReturn, type RemoteTrialJob } from './wire'

export interface AgentOptions {
  url: string
  queue: string
  name: string
  concurrency: number
  /** The agent's folder: its dataset cache (`cache.db`) and the trials' scratch artifact folders. */
  dir: string
  launcher: WorkerLauncher
  /** The compute backend its trials will use (the ladder's pick on this machine: `agentBackend()`). */
  backend: string
  /**
   * How long a job's lock lasts without renewal (BullMQ `lockDuration`); a dead agent's trial is
   * handed on within about this plus the stalled-check interval (half of it). Default 30 s.
   */
  lockMs?: number
  log(line: string): void
}

/** The backend this machine's training workers will pick (probing loads the native bindings). */
export async function agentBackend(): Promise<string> {
  return chooseTfjsBackend(await probeTfjsBackends({ loadNative: true })).name
}

/** How often a running trial checks whether the host cancelled it. */
const CANCEL_POLL_MS = 500
/** How long a cancelled trial's worker may take to stop by itself. */
const CANCEL_GRACE_MS = 1500

/**
 * Stores a result only while this agent still holds the job, or nobody does: a result from an
 * agent whose job was handed to another (it stalled and came back) must not replace the result
 * of the agent now running the trial. With no lock at all (the job lost with a Redis restart, or
 * put back by the stalled check and not yet taken) the result is the trial's, and the host takes
 * it — unless the job is finished (another agent's result was taken: it stalled, came back late).
 * KEYS: the job's lock, the result, the job; ARGV: this agent's lock token, the result, its time to live.
 */
const STORE_RESULT_IF_HOLDER = `
local lock = redis.call('GET', KEYS[1])
local mine = lock == ARGV[1]
-- Nobody holds it: ours unless another agent already finished it (finishedOn: the host keeps
-- completed jobs). A job gone with a Redis restart has no hash: the result is still the trial's.
local orphan = lock == false and redis.call('HEXISTS', KEYS[3], 'finishedOn') == 0
if mine or orphan then
  redis.call('SET', KEYS[2], ARGV[2], 'EX', ARGV[3])
  return 1
end
return 0`

/** Every file under `dir`, with its path relative to it. */
function filesUnder(dir: string): { path: string; bytes: Uint8Array }[] {
  const out: { path: string; bytes: Uint8Array }[] = []
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name)
      if (e.isDirectory()) walk(p)
      else if (e.isFile()) out.push({ path: relative(dir, p), bytes: readFileSync(p) })
    }
  }
  walk(dir)
  return out
}

export class TrialAgent {
  private readonly redis: Redis
  /** The worker's connection: BullMQ leaves a connection it was given open. */
  private readonly workerConnection: Redis
  private readonly worker: Worker<RemoteTrialJob, RemoteReturn>
  private readonly cache: DatasetCache
  private readonly cacheDb: Db
  private readonly cacheFile: string
  private readonly workers: TrainingWorkers
  private readonly running = new Map<string, { runId: number; since: number }>()
  private readonly timer: NodeJS.Timeout
  private paused = false
  private closed = false
  readonly ref: AgentRef
  /** Trials this agent finished (done, failed or cancelled). */
  finished = 0

  constructor(private readonly opts: AgentOptions) {
    mkdirSync(opts.dir, { recursive: true })
    this.cacheFile = join(opts.dir, 'cache.db')
    this.cacheDb = openDatabase(this.cacheFile)
    this.redis = redisConnection(opts.url, { blocking: true, name: `workbench-agent-${opts.name}` })
    this.cache = new DatasetCache(this.cacheDb, this.redis, opts.queue, opts.log)
    this.workers = new TrainingWorkers(opts.launcher, DEFAULT_WARM_WORKERS)
    this.ref = { name: opts.name, machine: hostname(), backend: opts.backend }
    const lockDuration = opts.lockMs ?? 30_000
    this.workerConnection = redisConnection(opts.url, { blocking: true, name: `workbench-agent-${opts.name}-worker` })
    this.worker = new Worker<RemoteTrialJob, RemoteReturn>(opts.queue, (job, token) => this.process(job, token), {
      connection: this.workerConnection,
      concurrency: opts.concurrency,
      name: opts.name,
      lockDuration,
      stalledInterval: Math.max(1000, Math.round(lockDuration / 2)),
      // A trial whose agents keep dying is failed after this many hand-overs (with BullMQ's reason).
      maxStalledCount: 3
    })
    // While Redis is down BullMQ reports the same error at every reconnect try: said once, and when it answers again.
    let lastError: string | null = null
    this.worker.on('error', (err) => {
      if (err.message !== lastError) opts.log(`queue: ${err.message}${/ECONNREFUSED|ENOTFOUND|ETIMEDOUT|Connection is closed/.test(err.message) ? ' (retrying until Redis answers)' : ''}`)
      lastError = err.message
    })
    this.workerConnection.on('ready', () => {
      if (lastError !== null) opts.log('queue: Redis answers again')
      lastError = null
    })
    this.worker.on('failed', (job, err) => opts.log(`trial ${job?.id ?? '?'} failed: ${err.message}`))
    this.timer = setInterval(() => void this.report(), AGENT_REPORT_MS)
    void this.report()
    opts.log(`agent '${opts.name}' on ${this.ref.machine} (${this.ref.backend}, ${opts.concurrency} at once) takes trials from queue '${opts.queue}' at ${redactedUrl(opts.url)}`)
  }

  /** Stops taking trials and ends the running ones' workers (BullMQ hands them to another agent once their lock expires). */
  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    clearInterval(this.timer)
    this.workers.close()
    await closeAll([this.worker.close(true), removeAgentReport(this.redis, this.opts.queue, this.opts.name)], [this.redis, this.workerConnection])
    this.cacheDb.close()
  }

  /** The report the host reads (agent-registry.ts), and the host's word on pausing. */
  private async report(): Promise<void> {
    if (this.closed) return
    try {
      const paused = await agentPaused(this.redis, this.opts.queue, this.opts.name)
      if (paused !== this.paused) {
        this.paused = paused
        if (paused) void this.worker.pause(true)
        else this.worker.resume()
        this.opts.log(paused ? 'the host stopped sending work here: running trials finish, no new one starts' : 'taking trials again')
      }
      const report: Agent = {
        ...this.ref,
        concurrency: this.opts.concurrency,
        running: [...this.running].map(([jobId, r]) => ({ jobId, runId: r.runId, since: r.since })),
        paused,
        heartbeatAt: Date.now(),
        workbenchVersion: WORKBENCH_VERSION
      }
      await writeAgentReport(this.redis, this.opts.queue, report)
    } catch (err) {
      this.opts.log(`report: ${(err as Error).message}`)
    }
  }

  private async process(job: Job<RemoteTrialJob, RemoteReturn>, token: string | undefined): Promise<RemoteReturn> {
    const jobId = job.id!
    // Job data is whatever was written to Redis: checked before anything reads it.
    const data = readWire(remoteTrialJobSchema, job.data, `job ${jobId}'s data`)
    if (!data.ok) throw new Error(data.message)
    const { trial, datasets } = data.value
    this.running.set(jobId, { runId: trial.runId, since: Date.now() })
    void this.report()
    const artifactsDir = join(this.opts.dir, 'trials', `${jobId.slice(-24)}-${Date.now()}`)
    try {
      await this.cache.ensure(datasets)
      mkdirSync(artifactsDir, { recursive: true })
      // Threads are this machine's to decide: its cores over the trials it runs at once.
      const trainingJob: TrainingJob = { ...trial, dbFile: this.cacheFile, artifactsDir, threads: threadsPerTrial(this.opts.concurrency) }
      const { done, epochs } = await this.train(job, trainingJob)
      const result: RemoteResult = { agent: this.ref, runId: trial.runId, done, epochs, artifactsDir, files: filesUnder(artifactsDir) }
      const bytes = encode(result)
      if (bytes.length > MAX_RESULT_BYTES) throw new Error(`the result of trial ${jobId} is ${resultOverCap(bytes.length)}`)
      const resultKey = keys.result(this.opts.queue, jobId)
      const jobKey = `${job.queueQualifiedName}:${jobId}`
      const stored = await this.redis.eval(STORE_RESULT_IF_HOLDER, 3, `${jobKey}:lock`, resultKey, jobKey, token ?? '', bytes, KEEP_SECONDS)
      if (stored !== 1) {
        const why = `trial ${jobId} was handed to another agent while this one was not answering: its result here is dropped`
        // Said here: BullMQ cannot fail a job whose lock is gone, so no 'failed' event would say it.
        this.opts.log(why)
        throw new Error(why)
      }
      return { resultKey, bytes: bytes.length }
    } finally {
      this.running.delete(jobId)
      this.finished++
      rmSync(artifactsDir, { recursive: true, force: true })
      void this.report()
    }
  }

  /** Runs the trial on a training worker; resolves with its `done` message, rejects with its failure. */
  private train(job: Job<RemoteTrialJob, RemoteReturn>, trainingJob: TrainingJob): Promise<{ done: FromWorker; epochs: Epoch[] }> {
    const epochs: Epoch[] = []
    // Progress in order, and all of it sent before the job completes (the host's history then
    // has every epoch before the result; a lost one is filled from `epochs`).
    let sent: Promise<unknown> = Promise.resolve()
    const forward = (m: FromWorker) => {
      const progress: RemoteProgress = { agent: this.ref, message: encodeMessage(m) }
      sent = sent.then(() => job.updateProgress(progress)).catch(() => {})
    }
    return new Promise((resolve, reject) => {
      let poll: NodeJS.Timeout | null = null
      let cancelled: string | null = null
      const settle = (fn: () => void) => {
        if (poll) clearInterval(poll)
        poll = null
        void sent.then(fn)
      }
      const trial = this.workers.start(trainingJob, trainingJob.spec.isolation ?? 'warm', {
        onMessage: (m) => {
          if (m.type === 'done') return settle(() => resolve({ done: m, epochs }))
          if (m.type === 'error') return settle(() => reject(new Error(m.message)))
          if (m.type === 'cancelled') return settle(() => reject(new Error(`cancelled: ${m.reason}`)))
          if (m.type === 'epoch') epochs.push({ epoch: m.epoch, metrics: m.metrics, confusion: m.confusion, histogram: m.histogram ?? null })
          forward(m)
        },
        onExit: (exit) => {
          if (cancelled !== null) return settle(() => reject(new Error(`cancelled: ${cancelled}`)))
          const how = exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`
          settle(() => reject(new Error(`the training worker on agent ${this.opts.name} ${how} before finishing${exit.stderrTail ? `; last output: ${exit.stderrTail.split('\n').slice(-3).join(' | ')}` : ''}`)))
        }
      })
      poll = setInterval(() => {
        void this.redis.get(keys.cancel(this.opts.queue, job.id!)).then((reason) => {
          if (reason === null || cancelled !== null) return
          cancelled = reason
          trial.cancel(reason)
          // Said here, when the agent acts on it: the job's own end (failed as cancelled) may not
          // be BullMQ's to record any more — the host removes a cancelled job, and a lock lost
          // meanwhile makes the agent's move to failed an error instead.
          this.opts.log(`trial ${job.id} cancelled by the host (${reason}): stopping its training worker`)
          // As the host does for a local trial: synchronous engine code (a forest being fitted)
          // reads the cancel only when it yields; a worker still busy after a moment is ended.
          setTimeout(() => trial.kill(), CANCEL_GRACE_MS).unref()
        }, () => {})
      }, CANCEL_POLL_MS)
    })
  }
}

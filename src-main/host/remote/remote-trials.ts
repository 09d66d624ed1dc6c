/**
 * The host's side of remote trials: it publishes each claimed trial as a BullMQ job, hears its
 * live messages (job progress through QueueEvents), takes its result when it ends and hands all
 * of it to the run manager exactly as a local training worker's messages — the run manager stays
 * the only writer, through the same code as for a local trial.
 *
 * Exactly once, whatever fails:
 * - The job id is the trial's identity (workspace, experiment, trial hash): a trial published
 *   twice (a host restarted while its agent kept running it) is one job, and its result goes to
 *   whichever run of the trial this host is running now.
 * - A result is written by `recordRunOutcome`, which refuses a run that already ended: a result
 *   that arrives twice is written once. A result addressed to a run of the trial that already
 *   ended (done, failed, cancelled) is stale and dropped; one addressed to a run that was
 *   interrupted (its host died) is the trial's and is taken.
 * - An agent killed mid-trial: BullMQ's stalled-job check (the surviving agents') puts the job
 *   back in the queue, and another agent runs it.
 * - Redis down: publishing waits and is retried; local trials go on. Redis back without the
 *   jobs (a restart without persistence): every trial in flight whose job or result is gone is
 *   published again. A result an agent stored before the job was lost is still taken.
 *
 * A reconcile pass every `reconcileMs` does all of the above from what Redis holds; the events
 * (`completed`, `failed`, `progress`) only make it prompt.
 */
import { EventEmitter } from 'node:events'
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, resolve, sep } from 'node:path'
import { Queue, QueueEvents, type Job } from 'bullmq'
import type { Redis } from 'ioredis'
import type { LabelledSeries } from '../../core/data/series'
import type { ExperimentSpec } from '../../core/search/spec'
import type { FromWorker, TrainingJob } from '../../workers/protocol'
import { parseWorkerMessage } from '../../workers/protocol'
import type { TrialListener, TrialOnWorker } from '../training-workers'
import { WAITING_FOR_AGENT, type Agent } from '../../contract/remote'
import { closeAll, redisConnection, redactedUrl } from './connection'
import { publishDataset } from './dataset-transfer'
import { readAgents, setAgentPaused } from './agent-registry'
import { decode, decodeMessage, keys, readWire, remoteProgressSchema, remoteResultSchema, resultOverCap, MAX_RESULT_BYTES, type AgentRef, type RemoteResult, type RemoteTrialJob } from './wire'

/** What the run manager hears of a remote trial: a local trial's messages, and where it runs. */
export interface RemoteListener extends TrialListener {
  onAgent(agent: AgentRef): void
  /** No agent can run the trial now: whether a local slot is free to take it back. */
  localSlotFree(): boolean
  /** Its job is out of Redis (no agent will run it): the trial is the run manager's to run here. */
  onWithdrawn(why: string): void
}

export interface RemoteTrialsOptions {
  url: string
  queue: string
  /** Tells this workspace's jobs apart from another's on a shared queue. */
  workspaceKey: string
  /** A stored dataset version, to publish. */
  loadDataset(hash: string): LabelledSeries
  /** Whether a run ended in a way that makes a result addressed to it stale (done, failed, cancelled). */
  runSettled(runId: number): boolean
  reconcileMs?: number
}

interface Tracked {
  jobId: string
  job: TrainingJob
  data: RemoteTrialJob
  listener: RemoteListener
  published: boolean
  agent: string | null
  /** Epochs delivered live (a result fills in the ones a Redis outage lost). */
  epochs: Set<number>
  busy: boolean
  /** An event came while a pass was looking at it: one more pass right after (never a tick later). */
  again: boolean
  /** Live messages, one after another (checking who sent one may wait on Redis). */
  messages: Promise<void>
  /** Why no agent runs it now (said once to the listener), or null while one can. */
  waiting: string | null
}

export type RemoteState = 'connected' | 'down'

/** How long the first look at Redis waits for the connection. */
const FIRST_CONNECT_MS = 5000
/** How long a job completed moments ago is left to its `completed` event (which follows its live messages). */
const EVENT_GRACE_MS = 3000

/** The dataset versions a trial's spec reads (the queue service resolved them to stored versions). */
export function datasetVersionsOf(spec: ExperimentSpec): string[] {
  const out = new Set<string>()
  const add = (ds: ExperimentSpec['dataset']) => {
    if ('version' in ds) out.add(ds.version)
  }
  add(spec.dataset)
  if (spec.split.kind === 'separate-test') {
    add(spec.split.test)
    if (spec.split.validation) add(spec.split.validation)
  }
  return [...out]
}

/** Every string in a model record under `from` (the agent's artifact folder) moved under `to` (the host's). */
function moveArtifactPaths(value: unknown, from: string, to: string): unknown {
  if (typeof value === 'string') return value === from || value.startsWith(from + '/') || value.startsWith(from + sep) ? to + value.slice(from.length) : value
  if (Array.isArray(value)) return value.map((v) => moveArtifactPaths(v, from, to))
  if (value && typeof value === 'object' && !ArrayBuffer.isView(value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, moveArtifactPaths(v, from, to)]))
  }
  return value
}

export class RemoteTrials extends EventEmitter<{ changed: [] }> {
  private readonly redis: Redis
  private readonly queue: Queue<RemoteTrialJob>
  private readonly events: QueueEvents
  /** BullMQ leaves connections it was given open: closed here. */
  private readonly connections: Redis[]
  private readonly tracked = new Map<string, Tracked>()
  /** Jobs to remove once they end (cancelled while an agent ran them, or taken from a result before the job ended). */
  private readonly orphans = new Set<string>()
  private readonly timer: NodeJS.Timeout
  private reconciling = false
  private closed = false
  private readonly first: Promise<void>
  private agentList: Agent[] = []
  state: RemoteState = 'down'
  message: string | null = 'connecting'

  constructor(private readonly opts: RemoteTrialsOptions) {
    super()
    this.redis = redisConnection(opts.url, { blocking: false, name: 'workbench-host' })
    const queueConnection = redisConnection(opts.url, { blocking: false, name: 'workbench-host-queue' })
    const eventsConnection = redisConnection(opts.url, { blocking: true, name: 'workbench-host-events' })
    this.connections = [this.redis, queueConnection, eventsConnection]
    this.queue = new Queue<RemoteTrialJob>(opts.queue, { connection: queueConnection })
    this.queue.on('error', () => {})
    this.events = new QueueEvents(opts.queue, { connection: eventsConnection })
    this.events.on('error', () => {})
    this.events.on('progress', ({ jobId, data }) => this.onProgress(jobId, data))
    this.events.on('completed', ({ jobId }) => this.reconcileJob(jobId))
    this.events.on('failed', ({ jobId }) => this.reconcileJob(jobId))
    this.timer = setInterval(() => void this.reconcile(), opts.reconcileMs ?? 1000)
    this.timer.unref()
    // The first look waits for the connection (commands fail at once while it is not up).
    this.first = new Promise<void>((resolve) => {
      const t = setTimeout(resolve, FIRST_CONNECT_MS)
      this.redis.once('ready', () => {
        clearTimeout(t)
        resolve()
      })
    }).then(() => this.reconcile())
  }

  /** Resolves after the first look at Redis (its agents known, or it found down). */
  ready(): Promise<void> {
    return this.first
  }

  get url(): string {
    return redactedUrl(this.opts.url)
  }

  get queueName(): string {
    return this.opts.queue
  }

  /** The job id of a trial: its identity within this workspace. */
  jobIdFor(experimentId: number, identity: string): string {
    return `${this.opts.workspaceKey}-${experimentId}-${identity}`
  }

  /** Trials the agents take at once: the sum over agents not paused. */
  capacity(): number {
    return this.agentList.filter((a) => !a.paused).reduce((n, a) => n + a.concurrency, 0)
  }

  agents(): Agent[] {
    return this.agentList
  }

  inFlight(): number {
    return this.tracked.size
  }

  /** Trials in flight that no agent can run now (none reports, or the one running it stopped answering). */
  waiting(): number {
    let n = 0
    for (const t of this.tracked.values()) if (t.waiting !== null) n++
    return n
  }

  async pauseAgent(name: string, paused: boolean): Promise<void> {
    await setAgentPaused(this.redis, this.opts.queue, name, paused)
    this.agentList = this.agentList.map((a) => (a.name === name ? { ...a, paused } : a))
    this.emit('changed')
  }

  /** Publishes a trial (now, or as soon as Redis answers); its messages go to `listener`. */
  start(jobId: string, job: TrainingJob, listener: RemoteListener): TrialOnWorker {
    if (this.closed) throw new Error('remote runners are disconnected')
    const t: Tracked = { jobId, job, data: { trial: { runId: job.runId, spec: job.spec }, datasets: datasetVersionsOf(job.spec) }, listener, published: false, agent: null, epochs: new Set(), busy: false, again: false, messages: Promise.resolve(), waiting: null }
    this.tracked.set(jobId, t)
    listener.onMessage({ type: 'progress', stage: 'queued', fraction: 0, message: `waiting for an agent (queue '${this.opts.queue}')`, etaMs: null })
    void this.reconcileOne(t)
    this.emit('changed')
    const stop = (reason: string) => void this.cancel(t, reason)
    return { pid: null, earlier: 0, startupMs: null, residentBytes: null, cancel: stop, kill: () => stop('stopped by the host') }
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    clearInterval(this.timer)
    // Jobs stay in Redis: a host that opens the workspace again takes their results.
    this.tracked.clear()
    await closeAll([this.events.close(), this.queue.close()], this.connections)
  }

  private setState(state: RemoteState, message: string | null): void {
    if (this.state === state && this.message === message) return
    this.state = state
    this.message = message
    this.emit('changed')
  }

  private end(t: Tracked, message: FromWorker): void {
    if (this.tracked.get(t.jobId) !== t) return
    this.tracked.delete(t.jobId)
    t.listener.onMessage(message)
    this.emit('changed')
  }

  private async cancel(t: Tracked, reason: string): Promise<void> {
    if (this.tracked.get(t.jobId) !== t) return
    this.end(t, { type: 'cancelled', reason })
    await this.stopJob(t.jobId, reason)
  }

  /** Tells the agent running a job to stop it, and removes the job (once it ends, when one runs it). */
  private async stopJob(jobId: string, reason: string): Promise<void> {
    try {
      await this.redis.set(keys.cancel(this.opts.queue, jobId), reason.slice(0, 500), 'EX', 24 * 3600)
      await this.removeJob(jobId)
    } catch {
      this.orphans.add(jobId)
    }
  }

  /** Removes a job; one an agent is running (locked) is removed once it ends. */
  private async removeJob(jobId: string): Promise<void> {
    try {
      const job = await this.queue.getJob(jobId)
      if (!job) return void this.orphans.delete(jobId)
      const state = await job.getState()
      if (state === 'active') return void this.orphans.add(jobId)
      await job.remove()
      this.orphans.delete(jobId)
    } catch {
      this.orphans.add(jobId)
    }
  }

  /**
   * A live message. Anyone with the password can write job progress, and BullMQ takes progress
   * from an agent that lost its job (it stalled and was given up): a message is taken only when
   * it parses and comes from the agent the job is with now — a stalled agent that comes back
   * neither moves the run to itself nor adds its history points to the new agent's.
   */
  private onProgress(jobId: string, data: unknown): void {
    const t = this.tracked.get(jobId)
    if (!t) return
    const progress = readWire(remoteProgressSchema, data, `a live message of job ${jobId}`)
    if (!progress.ok) return void this.refuse(t, progress.message)
    t.messages = t.messages.then(async () => {
      const { agent, message } = progress.value
      if (this.tracked.get(jobId) !== t) return
      if (agent.name !== t.agent) {
        if (!(await this.runsOn(jobId, agent.name)) || this.tracked.get(jobId) !== t) return
        t.agent = agent.name
        t.waiting = null
        t.listener.onAgent(agent)
      }
      let raw: unknown
      try {
        raw = decodeMessage(message)
      } catch (err) {
        return this.refuse(t, `a live message of job ${jobId} from agent ${agent.name} could not be decoded: ${(err as Error).message}`)
      }
      const parsed = parseWorkerMessage('training', raw)
      if (!parsed.ok) return this.refuse(t, `agent ${agent.name}: ${parsed.message.type === 'error' ? parsed.message.message : 'unreadable message'}`)
      const m = parsed.message
      // A trial's end comes with its result (reconcile), never as progress.
      if (m.type === 'done' || m.type === 'error' || m.type === 'cancelled') return
      if (m.type === 'epoch') t.epochs.add(m.epoch)
      t.listener.onMessage(m)
    })
  }

  /**
   * Whether `agent` took the job last (BullMQ records the worker that takes a job, and keeps it
   * after the job ends: a trial's last messages may be read after its job completed); false when
   * Redis cannot say.
   */
  private async runsOn(jobId: string, agent: string): Promise<boolean> {
    try {
      return (await this.queue.getJob(jobId))?.processedBy === agent
    } catch {
      return false
    }
  }

  /** Ends a trial whose agent sent what cannot be read: the run fails with the reason, the agent is told to stop. */
  private refuse(t: Tracked, message: string): void {
    if (this.tracked.get(t.jobId) !== t) return
    this.end(t, { type: 'error', message })
    void this.stopJob(t.jobId, message)
  }

  private reconcileJob(jobId: string): void {
    const t = this.tracked.get(jobId)
    if (t) void this.reconcileOne(t, true)
    else if (this.orphans.has(jobId)) void this.removeJob(jobId)
  }

  /** One pass over everything in flight; also reads the agents and tells whether Redis answers. */
  private async reconcile(): Promise<void> {
    if (this.reconciling || this.closed) return
    this.reconciling = true
    try {
      await this.redis.ping()
      const agents = await readAgents(this.redis, this.opts.queue)
      const before = JSON.stringify(this.agentList.map((a) => [a.name, a.paused, a.concurrency, a.running.map((r) => r.jobId)]))
      this.agentList = agents
      const moved = before !== JSON.stringify(agents.map((a) => [a.name, a.paused, a.concurrency, a.running.map((r) => r.jobId)]))
      this.setState('connected', null)
      if (moved) this.emit('changed')
      for (const t of [...this.tracked.values()]) await this.reconcileOne(t)
      for (const id of [...this.orphans]) await this.removeJob(id)
    } catch (err) {
      this.setState('down', `Redis at ${this.url} does not answer: ${(err as Error).message}`)
    } finally {
      this.reconciling = false
    }
  }

  /**
   * Looks at one trial in flight. `fromEvent`: its job's `completed` / `failed` event came, after
   * every live message of it; a pass of the timer leaves a job completed moments ago to that
   * event, so its last epochs arrive as live messages first.
   */
  private async reconcileOne(t: Tracked, fromEvent = false): Promise<void> {
    if (this.closed) return
    if (t.busy) {
      if (fromEvent) t.again = true
      return
    }
    t.busy = true
    try {
      if (!t.published) return await this.publish(t)
      const job = (await this.queue.getJob(t.jobId)) as Job<RemoteTrialJob> | undefined
      const state = job ? await job.getState() : 'unknown'
      // On an agent now: its messages are still coming — unless that agent is gone and no other can take it over.
      if (state === 'active') return await this.checkAgents(t, job!, state)
      if (state === 'completed' && !fromEvent && Date.now() - (job!.finishedOn ?? 0) < EVENT_GRACE_MS) return
      // A result first: it may come from an agent whose job Redis lost meanwhile (the job then
      // missing, or published again and waiting). The live messages heard so far go first.
      await t.messages
      if (await this.takeResult(t)) return
      if (!job || state === 'unknown') return await this.publish(t)
      if (state !== 'failed' && state !== 'completed') return await this.checkAgents(t, job, state)
      const stale = job.data.trial.runId !== t.job.runId && this.opts.runSettled(job.data.trial.runId)
      if (state === 'failed' && !stale) {
        this.end(t, { type: 'error', message: `on agent ${job.processedBy ?? t.agent ?? '?'}: ${job.failedReason}` })
        await job.remove()
        return
      }
      // A stale job (an earlier run's, already written), or one completed without a result left
      // (expired): the trial runs again.
      await job.remove()
      await this.publish(t)
    } catch (err) {
      this.setState('down', `Redis at ${this.url}: ${(err as Error).message}`)
    } finally {
      t.busy = false
      if (t.again && this.tracked.get(t.jobId) === t) {
        t.again = false
        void this.reconcileOne(t, true)
      }
    }
  }

  /**
   * A job waiting for an agent, or on one: when no agent can run it (none reports, every one is
   * told to take no new work, or the one running it stopped reporting and no other is left to
   * take it over), the trial comes back to a free local slot, or waits and says so.
   */
  private async checkAgents(t: Tracked, job: Job<RemoteTrialJob>, state: string): Promise<void> {
    const why = this.noAgentFor(job, state)
    if (why === null) {
      if (t.waiting !== null) {
        t.waiting = null
        this.emit('changed')
      }
      return
    }
    if (t.listener.localSlotFree() && (await this.withdraw(job))) {
      if (this.tracked.get(t.jobId) !== t) return
      this.tracked.delete(t.jobId)
      t.listener.onWithdrawn(why)
      this.emit('changed')
      return
    }
    if (t.waiting === why) return
    t.waiting = why
    t.listener.onMessage({ type: 'progress', stage: WAITING_FOR_AGENT, fraction: 0, message: `waiting for an agent: ${why}`, etaMs: null })
    this.emit('changed')
  }

  /** Why no agent can run a job now, or null when one can (or does). */
  private noAgentFor(job: Job<RemoteTrialJob>, state: string): string | null {
    const live = this.agentList
    const taking = live.filter((a) => !a.paused)
    if (state === 'active') {
      // Its agent reports: it runs. Another reports: BullMQ's stalled check (run by agents) hands it over.
      if (live.some((a) => a.name === job.processedBy) || taking.length > 0) return null
      return `agent ${job.processedBy ?? '?'} stopped reporting and no other agent serves queue '${this.opts.queue}'`
    }
    if (taking.length > 0) return null
    return live.length > 0 ? `every agent on queue '${this.opts.queue}' is told to take no new work` : `no agent serves queue '${this.opts.queue}'`
  }

  /** Takes a job out of Redis so no agent runs it; false when an agent holds it (its lock is alive). */
  private async withdraw(job: Job<RemoteTrialJob>): Promise<boolean> {
    try {
      await job.remove()
      return true
    } catch {
      return false
    }
  }

  private async publish(t: Tracked): Promise<void> {
    for (const h of t.data.datasets) await publishDataset(this.redis, this.opts.queue, h, () => this.opts.loadDataset(h))
    await this.queue.add('trial', t.data, { jobId: t.jobId, attempts: 1, removeOnComplete: false, removeOnFail: false })
    t.published = true
  }

  /** Takes the trial's result if an agent stored one for it: false when there is none (or a stale one, dropped). */
  private async takeResult(t: Tracked): Promise<boolean> {
    const key = keys.result(this.opts.queue, t.jobId)
    // Its length first: a result over the cap is refused without being loaded.
    const size = await this.redis.strlen(key)
    if (size === 0 || this.tracked.get(t.jobId) !== t) return false
    const what = `the result of job ${t.jobId} in Redis`
    const unreadable = async (message: string) => {
      await this.redis.del(key)
      this.end(t, { type: 'error', message })
      await this.removeJob(t.jobId)
      return true
    }
    if (size > MAX_RESULT_BYTES) return unreadable(`${what} is ${resultOverCap(size)}: refused`)
    const bytes = await this.redis.getBuffer(key)
    if (!bytes || this.tracked.get(t.jobId) !== t) return false
    let result: RemoteResult
    try {
      const read = readWire(remoteResultSchema, decode(bytes), what)
      if (!read.ok) return unreadable(read.message)
      result = read.value
    } catch (err) {
      return unreadable(`${what} could not be read: ${(err as Error).message}`)
    }
    if (result.runId !== t.job.runId && this.opts.runSettled(result.runId)) {
      await this.redis.del(key)
      return false
    }
    const parsed = parseWorkerMessage('training', result.done)
    if (parsed.ok && parsed.message.type === 'done') {
      const done = parsed.message
      try {
        this.writeArtifacts(t.job.artifactsDir, result.files)
      } catch (err) {
        return unreadable(`${what}: the trained model's files could not be written: ${(err as Error).message}`)
      }
      done.results.model = moveArtifactPaths(done.results.model, result.artifactsDir, t.job.artifactsDir)
      if (result.agent.name !== t.agent) {
        t.agent = result.agent.name
        t.listener.onAgent(result.agent)
      }
      const missed = result.epochs.filter((e) => !t.epochs.has(e.epoch))
      if (missed.length > 0) t.listener.onMessage({ type: 'log', level: 'warn', message: `${missed.length} history point${missed.length === 1 ? '' : 's'} did not arrive live (Redis was down?) and came with the result` })
      for (const e of missed) t.listener.onMessage({ type: 'epoch', ...e })
      this.end(t, done)
    } else {
      this.end(t, { type: 'error', message: `agent ${result.agent?.name ?? '?'} sent an unreadable result: ${parsed.ok ? parsed.message.type : parsed.message.type === 'error' ? parsed.message.message : ''}` })
    }
    await this.redis.del(key)
    await this.removeJob(t.jobId)
    return true
  }

  /** The trial's files (trained weights, checkpoints) under the host's artifact folder for the run; paths stay inside it. */
  private writeArtifacts(dir: string, files: RemoteResult['files']): void {
    const root = resolve(dir)
    // Every path checked before any file is written: nothing half-written.
    const targets = files.map((f) => {
      const target = resolve(root, f.path)
      if (!target.startsWith(root + sep)) throw new Error(`a remote result names a file outside its artifact folder: ${f.path}`)
      return target
    })
    files.forEach((f, i) => {
      mkdirSync(dirname(targets[i]), { recursive: true })
      writeFileSync(targets[i], f.bytes)
    })
  }
}

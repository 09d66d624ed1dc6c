/**
 * Executes runs in worker processes and records everything they report. The host is the only
 * writer of the database. Runs go to warm workers by default (training-workers.ts). A worker
 * that crashes or is killed ends only the trial it was running: a fresh process's trial fails
 * with the reason (the trial is the likely cause); a warm worker's trial — the death may come
 * from what earlier trials left, such as memory — is interrupted, goes back to the queue and runs
 * again in a fresh process, where a second death fails it. The host carries on either way. What
 * runs when is the scheduler's decision (core/search/scheduler.ts): this is its `TrialLauncher`.
 *
 * With remote runners (host/remote/remote-trials.ts) a run goes to a local worker while fewer
 * than `localSlots` run here, else to an agent through Redis: its messages come back the same
 * way and are recorded by the same code, so a remote run is recorded as a local one is.
 *
 * A run's outcome and its trial's are one write (recordRunOutcome). When another process holds
 * the database, the write is retried until it lands: a finished trial's results are never
 * dropped because of contention.
 */
import { EventEmitter } from 'node:events'
import { join } from 'node:path'
import type { Db } from '../core/store/database'
import type { ExperimentSpec } from '../core/search/spec'
import type { TrialLauncher } from '../core/search/scheduler'
import { isBusyError } from '../core/store/database'
import * as runs from '../core/store/runs-repo'
import { getTrial } from '../core/store/trials-repo'
import { recordRunOutcome, type RunOutcome } from '../core/store/outcomes-repo'
import { crashPoint } from '../core/crash-point'
import { hasResumeCheckpoint, removeResumeCheckpoints, resumeDirsOfRun } from '../core/models/deep/resume-files'
import type { ResumeFrom } from '../core/models/trainer'
import type { FromWorker } from '../workers/protocol'
import type { DataRole, RunProgress } from '../core/store/run-schemas'
import type { WorkerLauncher, WorkerExit } from './worker-launcher'
import { TrainingWorkers, DEFAULT_WARM_WORKERS, type TrialOnWorker, type WarmWorkerOptions, type TrialListener } from './training-workers'
import type { RemoteTrials } from './remote/remote-trials'
import type { AgentRef } from './remote/wire'

interface ActiveRun {
  runId: number
  spec: ExperimentSpec
  worker: TrialOnWorker | null
  /** Where it runs: a local worker, or an agent (its name once one took it). */
  remote: { agent: string | null } | null
  datasets: { train?: string; validation?: string; test?: string }
  finished: boolean
  cancelRequested: string | null
}

export interface RunManagerEvents {
  /** A run's status or progress changed. */
  changed: [runId: number]
  log: [log: runs.RunLog]
  epoch: [runId: number, epoch: runs.Epoch]
  /** A run reached a final state (the host tells the scheduler, which frees its slot). */
  ended: [runId: number]
}

/** Retry schedule of an outcome write that met a locked database: ~10 minutes in all. */
const OUTCOME_RETRY_MS = [100, 250, 500, 1000, 2000, 4000, 8000, ...Array<number>(36).fill(15_000)]

export class RunManager extends EventEmitter<RunManagerEvents> implements TrialLauncher {
  private readonly active = new Map<number, ActiveRun>()
  private readonly progress = new Map<number, RunProgress>()
  /** Trials whose warm worker died under them: their next run gets a fresh process. */
  private readonly freshFor = new Set<number>()
  private readonly workers: TrainingWorkers
  private remote: { trials: RemoteTrials; localSlots: number } | null = null
  private closed = false

  constructor(
    private readonly db: Db,
    private readonly dbFile: string,
    private readonly artifactsRoot: string,
    launcher: WorkerLauncher,
    /** This process's lease (hosts-repo owner id), recorded on the runs it starts. */
    private readonly owner: string,
    warm: WarmWorkerOptions = DEFAULT_WARM_WORKERS,
    /** Threads each trial's compute backend may use (compute-threads.ts). */
    private readonly threadsPerTrial = 1
  ) {
    super()
    this.workers = new TrainingWorkers(launcher, warm)
  }

  /** Training worker processes alive now, busy or idle. */
  workerCount(): number {
    return this.workers.size
  }

  /**
   * Sends runs to agents through `trials` (null: local only) while `localSlots` run here. Runs
   * already sent stay with the runner they went to.
   */
  setRemote(trials: RemoteTrials | null, localSlots: number): void {
    this.remote = trials ? { trials, localSlots } : null
  }

  /**
   * Stops sending runs to agents; the runs that went there are interrupted (their trials go back
   * to the queue, and run here or through the next connection).
   */
  dropRemote(reason: string): void {
    this.remote = null
    for (const entry of [...this.active.values()]) if (entry.remote && !entry.finished) this.finish(entry, { status: 'interrupted', reason })
  }

  /** Runs at once: `local` (the host's own slots) without remote runners, else the local slots plus what the agents take. */
  slotLimit(local: number): number {
    return this.remote ? this.remote.localSlots + this.remote.trials.capacity() : local
  }

  /** Runs on this machine's workers now, but `except` (the run being placed). */
  private localRunning(except: ActiveRun): number {
    let n = 0
    for (const e of this.active.values()) if (e !== except && !e.remote && !e.finished) n++
    return n
  }

  liveProgress(runId: number): RunProgress | null {
    return this.progress.get(runId) ?? null
  }

  /** Starts a queued run now, on a warm worker or in a new process (the spec's `isolation`). */
  launchRun(runId: number, spec: ExperimentSpec): void {
    if (this.closed) throw new Error('the workbench is shutting down')
    const entry: ActiveRun = { runId, spec, worker: null, remote: null, datasets: {}, finished: false, cancelRequested: null }
    this.active.set(runId, entry)
    this.launch(entry)
  }

  /** Cancels a run in progress (false when this process is not running it). */
  cancel(runId: number, reason = 'cancelled by the user'): boolean {
    const entry = this.active.get(runId)
    if (!entry || entry.finished) return false
    entry.cancelRequested = reason
    entry.worker?.cancel(reason)
    // Synchronous engine code (a forest being fitted) cannot read the message until it yields:
    // give it a moment to stop cleanly, then end the process (a warm one is then not reused).
    // Either way the run is 'cancelled'.
    const worker = entry.worker
    setTimeout(() => {
      if (!entry.finished) worker?.kill()
    }, 1500).unref()
    return true
  }

  /** Waits until the run reaches a final state. */
  waitFor(runId: number): Promise<runs.RunRecord> {
    return new Promise((resolve) => {
      const check = (id: number) => {
        if (id !== runId) return
        const run = runs.getRun(this.db, runId)
        if (run && runs.FINAL_STATUSES.includes(run.status)) {
          this.off('changed', check)
          resolve(run)
        }
      }
      this.on('changed', check)
      check(runId)
    })
  }

  /**
   * Kills every worker (app quit, SIGTERM). Their runs are marked interrupted and their trials
   * queued again (one write each); queued runs stay queued.
   */
  shutdown(reason = 'the workbench was closed while the run was in progress'): void {
    this.closed = true
    this.workers.close()
    for (const entry of this.active.values()) {
      entry.finished = true
      try {
        recordRunOutcome(this.db, entry.runId, { status: 'interrupted', reason })
      } catch {
        // Locked or gone: the next process to open the workspace reclaims the run (leases).
      }
    }
    this.active.clear()
  }

  private launch(entry: ActiveRun): void {
    const id = entry.runId
    const trialId = runs.getRun(this.db, id)?.trialId ?? null
    const fresh = trialId !== null && this.freshFor.delete(trialId)
    const job = { runId: id, spec: entry.spec, dbFile: this.dbFile, artifactsDir: this.artifactsDir(id), threads: this.threadsPerTrial, resumeFrom: null as ResumeFrom | null }
    const listener: TrialListener = {
      onMessage: (m) => {
        try {
          this.onWorkerMessage(entry, m)
        } catch (err) {
          // A progress message we cannot record (a locked or full disk) costs that message only;
          // the outcome is written with retries (finish).
          this.log(id, 'warn', `host could not record a ${m.type} message: ${(err as Error).message}`, true)
        }
      },
      onExit: (exit) => this.onWorkerExit(entry, exit)
    }
    try {
      const remote = this.remote
      const trial = trialId !== null ? getTrial(this.db, trialId) : null
      if (remote && trial && this.localRunning(entry) >= remote.localSlots) {
        entry.remote = { agent: null }
        entry.worker = remote.trials.start(remote.trials.jobIdFor(trial.experimentId, trial.identity), job, {
          ...listener,
          onAgent: (agent) => this.onAgent(entry, agent),
          localSlotFree: () => !this.closed && !entry.finished && this.localRunning(entry) < remote.localSlots,
          onWithdrawn: (why) => this.runHere(entry, () => this.workers.start(job, entry.spec.isolation ?? 'warm', listener), why)
        })
      } else {
        // Only a local worker can read the checkpoint folder: an agent's run starts from scratch.
        job.resumeFrom = trialId !== null ? this.resumeCheckpoint(trialId, id) : null
        entry.worker = this.workers.start(job, fresh ? 'fresh' : (entry.spec.isolation ?? 'warm'), listener)
      }
    } catch (err) {
      this.finish(entry, { status: 'failed', reason: `could not start a worker: ${(err as Error).message}` })
      return
    }
    runs.markRunning(this.db, id, entry.worker.pid, this.owner)
    this.emit('changed', id)
  }

  /** A remote run no agent can take, back on a free local slot (its job is out of Redis). */
  private runHere(entry: ActiveRun, start: () => TrialOnWorker, why: string): void {
    if (entry.finished || this.closed) return
    entry.remote = null
    try {
      entry.worker = start()
    } catch (err) {
      this.finish(entry, { status: 'failed', reason: `could not start a worker: ${(err as Error).message}` })
      return
    }
    runs.setRunLocal(this.db, entry.runId, entry.worker.pid)
    this.log(entry.runId, 'warn', `${why}: the trial runs on this machine instead`)
    this.emit('changed', entry.runId)
  }

  private artifactsDir(runId: number): string {
    return join(this.artifactsRoot, `run-${runId}`)
  }

  /**
   * The resume checkpoint the trial's latest interrupted run left (train-loop.ts writes one after
   * every epoch of a deep trial): the newest among the interrupted runs right before this one, so
   * a run interrupted before its first epoch does not hide its predecessor's.
   */
  private resumeCheckpoint(trialId: number, runId: number): ResumeFrom | null {
    for (const r of runs.earlierTrialRuns(this.db, trialId, runId)) {
      if (r.status !== 'interrupted') return null
      const artifactsDir = this.artifactsDir(r.id)
      if (resumeDirsOfRun(artifactsDir).some(hasResumeCheckpoint)) return { artifactsDir, runId: r.id }
    }
    return null
  }

  /** A run that ended for good (not interrupted): its trial's resume checkpoints are no longer needed. */
  private dropResumeCheckpoints(runId: number): void {
    const trialId = runs.getRun(this.db, runId)?.trialId
    const ids = [runId, ...(trialId != null ? runs.earlierTrialRuns(this.db, trialId, runId).map((r) => r.id) : [])]
    for (const id of ids) {
      try {
        removeResumeCheckpoints(this.artifactsDir(id))
      } catch (err) {
        this.log(runId, 'warn', `could not remove the resume checkpoint of run ${id}: ${(err as Error).message}`, true)
      }
    }
  }

  /** An agent took the run (or took it over from one that died): recorded with the run. */
  private onAgent(entry: ActiveRun, agent: AgentRef): void {
    if (entry.finished || this.closed || !entry.remote) return
    const before = entry.remote.agent
    entry.remote.agent = agent.name
    runs.setRunAgent(this.db, entry.runId, agent.name)
    this.log(entry.runId, before ? 'warn' : 'info', `${before ? `agent ${before} stopped answering; ` : ''}running on agent ${agent.name} (${agent.machine}, ${agent.backend})`)
    this.emit('changed', entry.runId)
  }

  /** Which worker a trial runs on, in words: warm (and its how-manieth trial) or fresh (and its start-up). */
  private describeWorker(w: TrialOnWorker): string {
    if (w.earlier > 0) return `warm worker pid ${w.pid ?? '?'} (trial ${w.earlier + 1} on it${w.residentBytes ? `, ${Math.round(w.residentBytes / 2 ** 20)} MB resident` : ''})`
    return `new worker pid ${w.pid ?? '?'}${w.startupMs !== null ? ` (process up in ${Math.round(w.startupMs)} ms)` : ''}`
  }

  private onWorkerMessage(entry: ActiveRun, m: FromWorker): void {
    if (entry.finished || this.closed) return
    const id = entry.runId
    switch (m.type) {
      case 'ready':
      case 'usage':
        // The worker's own (training-workers.ts reads them).
        return
      case 'started':
        runs.setRunBackend(this.db, id, m.backend)
        this.log(id, 'info', `${entry.remote ? `agent ${entry.remote.agent ?? '?'}` : entry.worker ? this.describeWorker(entry.worker) : 'worker'} started on backend ${m.backend.name}`)
        return
      case 'datasetRef':
        this.recordDataset(entry, m.role, m.id)
        this.log(id, 'info', `${m.role === 'both' ? 'train+test' : m.role} dataset: stored version ${m.id.slice(0, 12)}`)
        return
      case 'params':
        runs.setRunParams(this.db, id, m.params)
        return
      case 'progress':
        this.progress.set(id, { stage: m.stage, fraction: m.fraction, message: m.message, etaMs: m.etaMs, ...(m.training ? { training: m.training } : {}) })
        this.emit('changed', id)
        return
      case 'log':
        this.log(id, m.level, m.message)
        return
      case 'epoch': {
        const record = { epoch: m.epoch, metrics: m.metrics, confusion: m.confusion, histogram: m.histogram ?? null }
        runs.addEpoch(this.db, id, record)
        this.emit('epoch', id, record)
        this.emit('changed', id)
        return
      }
      case 'done':
        this.finish(entry, {
          status: 'done',
          results: m.results,
          scores: m.scores.map((s) => ({
            split: s.split,
            datasetId: entry.datasets[s.role] ?? null,
            scores: s.scores,
            labels: s.labels,
            types: s.types,
            starts: s.starts,
            windowLength: s.windowLength
          }))
        })
        return
      case 'cancelled':
        this.finish(entry, { status: 'cancelled', reason: entry.cancelRequested ?? m.reason })
        return
      case 'error':
        this.log(id, 'error', m.stack ?? m.message, true)
        this.finish(entry, { status: 'failed', reason: m.message })
        return
    }
  }

  private onWorkerExit(entry: ActiveRun, exit: WorkerExit): void {
    if (entry.finished || this.closed) return
    if (entry.cancelRequested) {
      this.finish(entry, { status: 'cancelled', reason: entry.cancelRequested })
      return
    }
    const how = exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`
    const tail = exit.stderrTail ? `; last output: ${exit.stderrTail.split('\n').slice(-3).join(' | ')}` : ''
    const earlier = entry.worker?.earlier ?? 0
    if (earlier > 0) {
      // A warm worker: what killed it may be what earlier trials left. This trial runs again, fresh.
      const trialId = runs.getRun(this.db, entry.runId)?.trialId
      if (trialId != null) {
        this.freshFor.add(trialId)
        this.finish(entry, { status: 'interrupted', reason: `warm worker process (after ${earlier} earlier trial${earlier === 1 ? '' : 's'}) ${how} before finishing; the trial runs again in a fresh process${tail}` })
        return
      }
    }
    this.finish(entry, { status: 'failed', reason: `worker process ${how} before finishing${tail}` })
  }

  /** Every run records the exact versions it used; a split of one version records it twice. */
  private recordDataset(entry: ActiveRun, role: DataRole, datasetId: string): void {
    if (role === 'validation') {
      entry.datasets.validation = datasetId
      runs.setRunValidationDataset(this.db, entry.runId, datasetId)
      return
    }
    if (role !== 'test') entry.datasets.train = datasetId
    if (role !== 'train') entry.datasets.test = datasetId
    if (entry.datasets.train && entry.datasets.test) runs.setRunDatasets(this.db, entry.runId, entry.datasets.train, entry.datasets.test)
  }

  private finish(entry: ActiveRun, outcome: RunOutcome): void {
    if (entry.finished) return
    entry.finished = true
    this.writeOutcome(entry, outcome, 0)
  }

  /**
   * Writes the outcome (run and trial in one transaction). A locked database is retried on a
   * schedule (the results stay in memory meanwhile); any other error fails the run with the
   * reason — nothing half-written either way.
   */
  private writeOutcome(entry: ActiveRun, outcome: RunOutcome, attempt: number): void {
    if (this.closed) return
    try {
      const written = recordRunOutcome(this.db, entry.runId, outcome)
      if (!written) this.log(entry.runId, 'warn', `the ${outcome.status} outcome was not recorded: the run had already ended (another process reclaimed it)`, true)
      crashPoint('outcome:after-commit')
      if (written && outcome.status !== 'interrupted') this.dropResumeCheckpoints(entry.runId)
    } catch (err) {
      if (isBusyError(err) && attempt < OUTCOME_RETRY_MS.length) {
        if (attempt === 0) process.stderr.write(`workbench: run ${entry.runId}: the database is busy; retrying to record its ${outcome.status} outcome\n`)
        setTimeout(() => this.writeOutcome(entry, outcome, attempt + 1), OUTCOME_RETRY_MS[attempt])
        return
      }
      try {
        recordRunOutcome(this.db, entry.runId, { status: 'failed', reason: `host could not record the ${outcome.status} outcome: ${(err as Error).message}` })
      } catch {
        // Still unwritable: the run stays running under this lease and is reclaimed when it ends.
      }
    }
    this.active.delete(entry.runId)
    this.progress.delete(entry.runId)
    this.emit('changed', entry.runId)
    this.emit('ended', entry.runId)
  }

  /** Appends a run log line; `bestEffort` swallows a write error (the line still goes to listeners). */
  private log(runId: number, level: runs.RunLog['level'], message: string, bestEffort = false): void {
    const record = { runId, at: new Date().toISOString(), level, message }
    try {
      runs.appendLog(this.db, record)
    } catch (err) {
      if (!bestEffort) throw err
    }
    this.emit('log', record)
  }
}

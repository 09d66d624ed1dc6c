/**
 * Executes runs in worker processes and records everything they report. The host is the only
 * writer of the database; a worker that crashes or is killed marks its run failed with the
 * reason, and the host carries on. What runs when is the scheduler's decision
 * (core/search/scheduler.ts): this is its `TrialLauncher`.
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
import { recordRunOutcome, type RunOutcome } from '../core/store/outcomes-repo'
import { crashPoint } from '../core/crash-point'
import type { FromWorker } from '../workers/protocol'
import type { DataRole, RunProgress } from '../core/store/run-schemas'
import type { WorkerHandle, WorkerLauncher, WorkerExit } from './worker-launcher'

interface ActiveRun {
  runId: number
  spec: ExperimentSpec
  worker: WorkerHandle<'training'> | null
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
  private closed = false

  constructor(
    private readonly db: Db,
    private readonly dbFile: string,
    private readonly artifactsRoot: string,
    private readonly launcher: WorkerLauncher,
    /** This process's lease (hosts-repo owner id), recorded on the runs it starts. */
    private readonly owner: string
  ) {
    super()
  }

  liveProgress(runId: number): RunProgress | null {
    return this.progress.get(runId) ?? null
  }

  /** Starts a queued run now, in a new worker process. */
  launchRun(runId: number, spec: ExperimentSpec): void {
    if (this.closed) throw new Error('the workbench is shutting down')
    const entry: ActiveRun = { runId, spec, worker: null, datasets: {}, finished: false, cancelRequested: null }
    this.active.set(runId, entry)
    this.launch(entry)
  }

  /** Cancels a run in progress (false when this process is not running it). */
  cancel(runId: number, reason = 'cancelled by the user'): boolean {
    const entry = this.active.get(runId)
    if (!entry || entry.finished) return false
    entry.cancelRequested = reason
    entry.worker?.send({ type: 'cancel', reason })
    // Synchronous engine code (a forest being fitted) cannot read the message until it yields:
    // give it a moment to stop cleanly, then end the process. Either way the run is 'cancelled'.
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
    for (const entry of this.active.values()) {
      entry.finished = true
      entry.worker?.kill()
      try {
        recordRunOutcome(this.db, entry.runId, { status: 'interrupted', reason })
      } catch {
        // Locked or gone: the next process to open the workspace reclaims the run (leases).
      }
    }
    this.active.clear()
  }

  private launch(entry: ActiveRun): void {
    let worker: WorkerHandle<'training'>
    try {
      worker = this.launcher.launch('training')
    } catch (err) {
      this.finish(entry, { status: 'failed', reason: `could not start a worker: ${(err as Error).message}` })
      return
    }
    entry.worker = worker
    runs.markRunning(this.db, entry.runId, worker.pid, this.owner)
    this.emit('changed', entry.runId)
    worker.onMessage((m) => {
      try {
        this.onWorkerMessage(entry, m)
      } catch (err) {
        // A progress message we cannot record (a locked or full disk) costs that message only;
        // the outcome is written with retries (finish).
        this.log(entry.runId, 'warn', `host could not record a ${m.type} message: ${(err as Error).message}`, true)
      }
    })
    worker.onExit((exit) => this.onWorkerExit(entry, exit))
  }

  private onWorkerMessage(entry: ActiveRun, m: FromWorker): void {
    if (entry.finished || this.closed) return
    const id = entry.runId
    switch (m.type) {
      case 'ready':
        entry.worker?.send({
          type: 'start',
          job: { runId: id, spec: entry.spec, dbFile: this.dbFile, artifactsDir: join(this.artifactsRoot, `run-${id}`) }
        })
        return
      case 'started':
        runs.setRunBackend(this.db, id, m.backend)
        this.log(id, 'info', `worker pid ${entry.worker?.pid ?? '?'} started on backend ${m.backend.name}`)
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

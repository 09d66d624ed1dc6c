/**
 * The trial queue and its scheduler: runs queued trials, at most `concurrency` at once (and at most an experiment's
 * own `concurrency` of one experiment), in priority then search order, skipping paused
 * experiments. It is stateless across restarts — the queue lives in SQLite — and claims each
 * trial under the write lock, so a trial is never started twice.
 *
 * Several processes may serve one workspace (the app, `serve`, CLI runs). Each holds a lease
 * (hosts-repo) that it renews every `leaseMs / 4`; each watches the database for the others'
 * commits (`PRAGMA data_version`), so a process waiting on a search sees trials that another one
 * finished, and reclaims the trials of a peer that died (at once when its process is gone on this
 * machine, after the lease otherwise).
 *
 * Trials run elsewhere: the scheduler decides what runs when and hands each claimed run to a
 * `TrialLauncher` (the host's run manager, which starts worker processes), which reports back
 * through `runEnded`. Nothing here knows about processes, front doors or the contract.
 */
import { EventEmitter } from 'node:events'
import type { Db } from '../store/database'
import { dataVersion, writeTransaction } from '../store/database'
import type { ExperimentSpec } from './spec'
import { iterateTrials, trialIdentity } from './expand'
import { parseTarget } from '../eval/targets'
import { crashPoint } from '../crash-point'
import * as runs from '../store/runs-repo'
import * as trials from '../store/trials-repo'
import { heartbeat } from '../store/hosts-repo'
import { reclaimOrphans } from '../store/outcomes-repo'
import { upsertExperiment, getExperiment, setExperimentStatus, setExperimentPriority } from '../store/experiments-repo'

/** What the scheduler needs from whoever runs trials (the host's run manager: worker processes). */
export interface TrialLauncher {
  /** Starts a claimed run now; when it reaches a final state the launcher calls `Scheduler.runEnded`. */
  launchRun(runId: number, spec: ExperimentSpec): void
  /** Stops a run this process is running (false when it is not running it). */
  cancel(runId: number, reason: string): boolean
}

export interface EnqueueResult {
  experimentId: number
  total: number
  added: number
  alreadyDone: number
  /** The run of a newly queued single trial (a search's runs are made as its trials start). */
  runIds: number[]
  /** Every trial of this search (new and known), in order. */
  trialIds: number[]
}

export interface LeaseOptions {
  /** How old a peer's heartbeat may be before its trials are reclaimed. */
  leaseMs: number
  /** How often the database is checked for other processes' commits. */
  pollMs: number
}

export const DEFAULT_LEASE: LeaseOptions = { leaseMs: 30_000, pollMs: 500 }

const ORPHAN_REASON = 'the process running it stopped before it finished'

export interface SchedulerEvents {
  /** An experiment's trials changed (queued, claimed, ended; here or in another process). */
  changed: [experimentId: number]
  /** A run was made or ended without running (queued, skipped, cancelled, reclaimed). */
  runChanged: [runId: number]
  /** Something went wrong that the next tick retries (a busy database): for the host's log. */
  problem: [message: string]
}

export class Scheduler extends EventEmitter<SchedulerEvents> {
  /** runId → trial, for the runs this process started. */
  private readonly running = new Map<number, { trialId: number; experimentId: number }>()
  private closed = false
  private pumping = false
  /**
   * Whether this process runs trials at all: the app and `serve` do from the start, a CLI run once
   * it queued its search; other commands (`runs list`, `export`…) never start one.
   */
  private serving = false
  /** When set, only this experiment's trials start (a CLI run serves its own search only). */
  private focus: number | null = null
  private readonly timer: NodeJS.Timeout
  private waiters = 0
  private dataVersion: number
  private lastBeat = 0
  /** Per experiment: a fingerprint of its trials, to tell which ones another process changed. */
  private fingerprints = new Map<number, string>()

  constructor(
    private readonly db: Db,
    private readonly launcher: TrialLauncher,
    /** Trials at once; a function when it changes (remote runners that come and go). */
    private readonly concurrency: number | (() => number),
    private readonly workbenchVersion: string,
    /** This process's lease (hosts-repo owner id). */
    readonly owner: string,
    private readonly lease: LeaseOptions = DEFAULT_LEASE
  ) {
    super()
    this.dataVersion = this.readDataVersion()
    this.fingerprints = this.readFingerprints()
    this.lastBeat = Date.now()
    // Unreferenced: an idle host does not keep a CLI alive; a waiter references it (waitForExperiment).
    this.timer = setInterval(() => this.tick(), lease.pollMs)
    this.timer.unref()
  }

  /**
   * Adds a spec's trials. `spec` must name stored dataset versions (the queue service resolves
   * generated data first), because a trial's identity includes the data's content hash.
   */
  enqueue(spec: ExperimentSpec, sourceFile: string | null, dataIdentity: string, opts: { focus?: boolean } = {}): EnqueueResult {
    const plans = [...iterateTrials(spec)].map((p) => ({ ...p, identity: trialIdentity(spec.model.kind, p.params, dataIdentity, this.workbenchVersion) }))
    const result = writeTransaction(this.db, () => {
      const experiment = upsertExperiment(this.db, spec, sourceFile)
      const addedIds = trials.addTrials(this.db, experiment.id, plans)
      // A search's runs are made as its trials start (10,000 queued trials need no 10,000 queued
      // runs); a single trial gets its run now, so the UI can open the run page at once.
      const runIds = plans.length === 1 ? addedIds.map((trialId) => this.createRunFor(trialId, spec).id) : []
      const known = trials.trialsByIdentity(this.db, experiment.id, plans.map((p) => p.identity))
      const byIdentity = new Map(known.map((t) => [t.identity, t]))
      return {
        experimentId: experiment.id,
        total: plans.length,
        added: addedIds.length,
        alreadyDone: known.filter((t) => t.status === 'done').length,
        runIds,
        trialIds: plans.map((p) => byIdentity.get(p.identity)!.id)
      }
    })
    for (const runId of result.runIds) this.emit('runChanged', runId)
    // A CLI run serves its own search only: focus before the first pump, or an older queued
    // trial (say, one requeued after a crash) would take the slot first.
    if (opts.focus) this.focus = result.experimentId
    this.serving = true
    this.emit('changed', result.experimentId)
    this.pump()
    return result
  }

  /** Serve the workspace's queue (the app, `serve`): resume what is queued now and what comes. */
  start(): void {
    this.serving = true
    this.pump()
  }

  /** Starts queued trials while slots are free. */
  pump(): void {
    if (this.closed || this.pumping || !this.serving) return
    this.pumping = true
    try {
      while (this.running.size < this.concurrencyLimit()) {
        const claimed = this.claimNext()
        if (!claimed) break
        crashPoint('claim:after-commit')
        if (claimed.newRun) this.emit('runChanged', claimed.runId)
        this.running.set(claimed.runId, { trialId: claimed.trialId, experimentId: claimed.experimentId })
        this.launcher.launchRun(claimed.runId, claimed.spec)
        this.emit('changed', claimed.experimentId)
      }
    } finally {
      this.pumping = false
    }
  }

  /** Resolves when the experiment has no queued or running trial left (in any process). */
  waitForExperiment(experimentId: number): Promise<void> {
    return new Promise((resolve) => {
      const check = (id: number) => {
        if (id !== experimentId) return
        const c = trials.countByStatus(this.db, experimentId)
        const paused = getExperiment(this.db, experimentId)?.status !== 'active'
        if (c.running === 0 && (c.queued === 0 || paused)) {
          this.off('changed', check)
          if (--this.waiters === 0) this.timer.unref()
          resolve()
        }
      }
      // Referenced while someone waits: the wait may end by another process's commit alone.
      if (this.waiters++ === 0) this.timer.ref()
      this.on('changed', check)
      check(experimentId)
    })
  }

  pause(experimentId: number): void {
    setExperimentStatus(this.db, experimentId, 'paused')
    this.emit('changed', experimentId)
  }

  resume(experimentId: number): void {
    setExperimentStatus(this.db, experimentId, 'active')
    this.emit('changed', experimentId)
    this.serving = true
    this.pump()
  }

  /** Queued trials cancelled, running ones stopped; returns how many trials it ended. */
  cancelExperiment(experimentId: number, reason = 'experiment cancelled by the user'): number {
    setExperimentStatus(this.db, experimentId, 'cancelled')
    const queued = trials.listTrials(this.db, experimentId).filter((t) => t.status === 'queued')
    let n = this.endQueued(queued.map((t) => t.id), 'cancelled', reason)
    for (const [runId, r] of this.running) {
      if (r.experimentId === experimentId && this.launcher.cancel(runId, reason)) n++
    }
    this.emit('changed', experimentId)
    return n
  }

  cancelTrial(trialId: number, reason = 'cancelled by the user'): boolean {
    const t = trials.getTrial(this.db, trialId)
    if (!t) return false
    if (t.status === 'queued') {
      const ended = this.endQueued([t.id], 'cancelled', reason) === 1
      this.emit('changed', t.experimentId)
      if (ended) return true
    }
    const now = trials.getTrial(this.db, trialId)!
    return now.status === 'running' && now.runId !== null && this.launcher.cancel(now.runId, reason)
  }

  /** Cancels a run: in progress here, or still queued (its trial is cancelled with it). */
  cancelRun(runId: number, reason = 'cancelled by the user'): boolean {
    if (this.launcher.cancel(runId, reason)) return true
    const run = runs.getRun(this.db, runId)
    if (run?.status !== 'queued') return false
    if (run.trialId) return this.cancelTrial(run.trialId, reason)
    runs.endRun(this.db, runId, 'cancelled', reason)
    this.emit('runChanged', runId)
    return true
  }

  retry(experimentId: number, includeCancelled: boolean): number {
    const ids = trials.requeueTrials(this.db, experimentId, includeCancelled ? ['failed', 'cancelled', 'skipped'] : ['failed'])
    if (ids.length && getExperiment(this.db, experimentId)?.status === 'cancelled') setExperimentStatus(this.db, experimentId, 'active')
    this.emit('changed', experimentId)
    this.serving = true
    this.pump()
    return ids.length
  }

  setExperimentPriority(experimentId: number, priority: number): void {
    setExperimentPriority(this.db, experimentId, priority)
    this.emit('changed', experimentId)
  }

  setTrialPriority(trialId: number, priority: number): boolean {
    const t = trials.getTrial(this.db, trialId)
    if (!t) return false
    trials.setTrialPriority(this.db, trialId, priority)
    this.emit('changed', t.experimentId)
    return true
  }

  concurrencyLimit(): number {
    return typeof this.concurrency === 'number' ? this.concurrency : this.concurrency()
  }

  runningCount(): number {
    return this.running.size
  }

  /**
   * Stops starting trials and watching the database. The run manager's shutdown then ends the
   * running ones as interrupted, which hands their trials back to the queue in the same write.
   */
  shutdown(): void {
    this.closed = true
    clearInterval(this.timer)
    this.running.clear()
  }

  /**
   * Work of dead peers back to the queue (or settled, when only its trial update was lost), and
   * this process's lease renewed. Runs at start and every `leaseMs / 4`.
   */
  reclaim(): void {
    if (this.closed) return
    const now = Date.now()
    this.lastBeat = now
    // Lost the lease (a peer judged this process dead while it was stalled): take a new one is
    // not possible under the same id, so keep running — late outcomes of reclaimed runs are
    // refused by recordRunOutcome, which is what keeps trials exactly once.
    heartbeat(this.db, this.owner, now)
    const r = reclaimOrphans(this.db, this.owner, this.lease.leaseMs, ORPHAN_REASON, now)
    for (const runId of r.interrupted) this.emit('runChanged', runId)
    for (const id of r.experiments) this.emit('changed', id)
    if (r.requeued.length > 0) this.pump()
  }

  private tick(): void {
    if (this.closed) return
    try {
      if (Date.now() - this.lastBeat >= this.lease.leaseMs / 4) this.reclaim()
      const version = this.readDataVersion()
      if (version === this.dataVersion) return
      this.dataVersion = version
      // Another process committed: tell waiters and views which experiments moved, and start
      // whatever it queued or handed back.
      const prints = this.readFingerprints()
      for (const [id, print] of prints) if (this.fingerprints.get(id) !== print) this.emit('changed', id)
      this.fingerprints = prints
      this.pump()
    } catch (err) {
      // A busy database or a transient error: the next tick tries again.
      this.emit('problem', `scheduler tick: ${(err as Error).message}`)
    }
  }

  private readDataVersion(): number {
    return dataVersion(this.db)
  }

  private readFingerprints(): Map<number, string> {
    return new Map(trials.queueFingerprints(this.db).map((f) => [f.experimentId, f.print]))
  }

  /** The next trial for this process, claimed with a run under the write lock; null when none. */
  private claimNext(): { trialId: number; experimentId: number; runId: number; newRun: boolean; spec: ExperimentSpec } | null {
    const perExperiment = new Map<number, number>()
    for (const r of this.running.values()) perExperiment.set(r.experimentId, (perExperiment.get(r.experimentId) ?? 0) + 1)
    return writeTransaction(this.db, () => {
      const full = [...perExperiment.entries()]
        .filter(([id, n]) => {
          const limit = getExperiment(this.db, id)?.spec.concurrency
          return limit !== undefined && n >= limit
        })
        .map(([id]) => id)
      const next = trials.nextQueuedTrial(this.db, full, this.focus)
      if (!next) return null
      const experiment = getExperiment(this.db, next.experimentId)!
      // Reuse the trial's queued run; a retried or requeued trial gets a fresh one.
      const current = next.runId ? runs.getRun(this.db, next.runId) : null
      const runId = current?.status === 'queued' ? current.id : this.createRunFor(next.id, experiment.spec).id
      // Under the write lock nobody else can have taken it since the read above.
      if (!trials.claimTrial(this.db, next.id, runId, this.owner)) throw new Error(`trial ${next.id} could not be claimed`)
      return { trialId: next.id, experimentId: next.experimentId, runId, newRun: runId !== current?.id, spec: this.trialSpec(experiment.spec, next.params) }
    })
  }

  /** The launcher's report that a run it started reached a final state: its slot is free. */
  runEnded(runId: number): void {
    const entry = this.running.get(runId)
    if (!entry || this.closed) return
    this.running.delete(runId)
    // The trial moved with its run (recordRunOutcome); what is left here is early stopping.
    const run = runs.getRun(this.db, runId)!
    const experiment = getExperiment(this.db, entry.experimentId)
    if (run.status === 'done' && experiment?.spec.stopWhenTargetsMet && run.targets.length > 0 && run.targets.every((t) => t.met)) {
      const queued = trials.listTrials(this.db, entry.experimentId).filter((t) => t.status === 'queued')
      this.endQueued(queued.map((t) => t.id), 'skipped', `skipped: trial ${entry.trialId} (run ${runId}) met every target`)
    }
    this.emit('changed', entry.experimentId)
    this.pump()
  }

  private endQueued(trialIds: number[], status: 'cancelled' | 'skipped', reason: string): number {
    const ended = trials.endQueuedTrials(this.db, trialIds, status, reason)
    for (const t of ended) if (t.runId) this.emit('runChanged', t.runId)
    return ended.length
  }

  private trialSpec(spec: ExperimentSpec, params: Record<string, unknown>): ExperimentSpec {
    return { ...spec, model: { ...spec.model, params }, search: undefined }
  }

  private createRunFor(trialId: number, spec: ExperimentSpec): runs.RunRecord {
    const t = trials.getTrial(this.db, trialId)!
    const targets = spec.targets.map((text) => {
      const p = parseTarget(text)
      return { text: p.text, metric: p.metric, op: p.op, value: p.value, actual: null, met: false }
    })
    const run = runs.createRun(this.db, {
      experimentId: t.experimentId,
      trialId,
      modelKind: spec.model.kind,
      params: t.params,
      targets,
      workbenchVersion: this.workbenchVersion
    })
    trials.setTrialRun(this.db, trialId, run.id)
    return run
  }
}

/**
 * The scheduler: runs queued trials, at most `concurrency` at once (and at most an experiment's
 * own `concurrency` of one experiment), in priority then search order, skipping paused
 * experiments. It is stateless across restarts — the queue lives in SQLite — and claims each
 * trial with one conditional UPDATE, so a trial is never started twice.
 */
import { EventEmitter } from 'node:events'
import type { Db } from '../core/store/database'
import type { ExperimentSpec } from '../core/search/spec'
import { expandTrials, trialIdentity } from '../core/search/expand'
import { parseTarget } from '../core/eval/targets'
import * as runs from '../core/store/runs-repo'
import * as trials from '../core/store/trials-repo'
import { upsertExperiment, getExperiment, setExperimentStatus, setExperimentPriority } from '../core/store/experiments-repo'
import type { RunManager } from './run-manager'

export interface EnqueueResult {
  experimentId: number
  total: number
  added: number
  alreadyDone: number
  /** Runs of the newly queued trials, in order. */
  runIds: number[]
  /** Every trial of this search (new and known), in order. */
  trialIds: number[]
}

export class Scheduler extends EventEmitter<{ changed: [experimentId: number]; runChanged: [runId: number] }> {
  /** runId → trial, for the runs this process started. */
  private readonly running = new Map<number, { trialId: number; experimentId: number }>()
  private closed = false
  private pumping = false
  /** When set, only this experiment's trials start (a CLI run serves its own search only). */
  private focus: number | null = null

  constructor(
    private readonly db: Db,
    private readonly runManager: RunManager,
    private readonly concurrency: number,
    private readonly workbenchVersion: string
  ) {
    super()
    runManager.on('ended', (runId) => this.onRunEnded(runId))
    // Trials whose process died go back to the queue (their runs were marked interrupted).
    for (const id of trials.requeueOrphanedTrials(db)) {
      const t = trials.getTrial(db, id)
      if (t) this.emit('changed', t.experimentId)
    }
  }

  /**
   * Adds a spec's trials. `spec` must name stored dataset versions (the queue service resolves
   * generated data first), because a trial's identity includes the data's content hash.
   */
  enqueue(spec: ExperimentSpec, sourceFile: string | null, dataIdentity: string, opts: { focus?: boolean } = {}): EnqueueResult {
    const plans = expandTrials(spec).map((p) => ({ ...p, identity: trialIdentity(spec.model.kind, p.params, dataIdentity, this.workbenchVersion) }))
    const result = this.db.transaction(() => {
      const experiment = upsertExperiment(this.db, spec, sourceFile)
      const addedIds = trials.addTrials(this.db, experiment.id, plans)
      const runIds = addedIds.map((trialId) => this.createRunFor(trialId, spec).id)
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
    })()
    for (const runId of result.runIds) this.emit('runChanged', runId)
    // A CLI run serves its own search only: focus before the first pump, or an older queued
    // trial (say, one requeued after a crash) would take the slot first.
    if (opts.focus) this.focus = result.experimentId
    this.emit('changed', result.experimentId)
    this.pump()
    return result
  }

  /** Starts queued trials while slots are free. */
  pump(): void {
    if (this.closed || this.pumping) return
    this.pumping = true
    try {
      while (this.running.size < this.concurrency) {
        const perExperiment = new Map<number, number>()
        for (const r of this.running.values()) perExperiment.set(r.experimentId, (perExperiment.get(r.experimentId) ?? 0) + 1)
        const full = [...perExperiment.entries()]
          .filter(([id, n]) => {
            const limit = getExperiment(this.db, id)?.spec.concurrency
            return limit !== undefined && n >= limit
          })
          .map(([id]) => id)
        const next = trials.nextQueuedTrial(this.db, full, this.focus)
        if (!next) break
        const experiment = getExperiment(this.db, next.experimentId)!
        const spec = this.trialSpec(experiment.spec, next.params)
        // Reuse the trial's queued run; a retried or requeued trial gets a fresh one.
        const current = next.runId ? runs.getRun(this.db, next.runId) : null
        const runId = current?.status === 'queued' ? current.id : this.createRunFor(next.id, experiment.spec).id
        if (runId !== current?.id) this.emit('runChanged', runId)
        if (!trials.claimTrial(this.db, next.id, runId)) continue // another process took it
        this.running.set(runId, { trialId: next.id, experimentId: next.experimentId })
        this.runManager.launchRun(runId, spec)
        this.emit('changed', next.experimentId)
      }
    } finally {
      this.pumping = false
    }
  }

  focusOn(experimentId: number | null): void {
    this.focus = experimentId
  }

  /** Resolves when the experiment has no queued or running trial left. */
  waitForExperiment(experimentId: number): Promise<void> {
    return new Promise((resolve) => {
      const check = (id: number) => {
        if (id !== experimentId) return
        const c = trials.countByStatus(this.db, experimentId)
        const paused = getExperiment(this.db, experimentId)?.status !== 'active'
        if (c.running === 0 && (c.queued === 0 || paused)) {
          this.off('changed', check)
          resolve()
        }
      }
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
    this.pump()
  }

  /** Queued trials cancelled, running ones stopped; returns how many trials it ended. */
  cancelExperiment(experimentId: number, reason = 'experiment cancelled by the user'): number {
    setExperimentStatus(this.db, experimentId, 'cancelled')
    const queued = trials.listTrials(this.db, experimentId).filter((t) => t.status === 'queued')
    this.endQueued(queued, 'cancelled', reason)
    let n = queued.length
    for (const [runId, r] of this.running) {
      if (r.experimentId === experimentId && this.runManager.cancel(runId, reason)) n++
    }
    this.emit('changed', experimentId)
    return n
  }

  cancelTrial(trialId: number, reason = 'cancelled by the user'): boolean {
    const t = trials.getTrial(this.db, trialId)
    if (!t) return false
    if (t.status === 'queued') {
      this.endQueued([t], 'cancelled', reason)
      this.emit('changed', t.experimentId)
      return true
    }
    return t.status === 'running' && t.runId !== null && this.runManager.cancel(t.runId, reason)
  }

  /** Cancels a run: in progress here, or still queued (its trial is cancelled with it). */
  cancelRun(runId: number, reason = 'cancelled by the user'): boolean {
    if (this.runManager.cancel(runId, reason)) return true
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
    return this.concurrency
  }

  runningCount(): number {
    return this.running.size
  }

  /** App quit: running trials go back to the queue (their runs are marked interrupted). */
  shutdown(): void {
    this.closed = true
    for (const { trialId } of this.running.values()) trials.setTrialStatus(this.db, trialId, 'queued')
    this.running.clear()
  }

  private onRunEnded(runId: number): void {
    const entry = this.running.get(runId)
    if (!entry || this.closed) return
    this.running.delete(runId)
    const run = runs.getRun(this.db, runId)!
    const status: trials.TrialStatus = run.status === 'done' ? 'done' : run.status === 'cancelled' ? 'cancelled' : run.status === 'interrupted' ? 'queued' : 'failed'
    trials.setTrialStatus(this.db, entry.trialId, status)
    const experiment = getExperiment(this.db, entry.experimentId)
    if (status === 'done' && experiment?.spec.stopWhenTargetsMet && run.targets.length > 0 && run.targets.every((t) => t.met)) {
      const queued = trials.listTrials(this.db, entry.experimentId).filter((t) => t.status === 'queued')
      this.endQueued(queued, 'skipped', `skipped: trial ${entry.trialId} (run ${runId}) met every target`)
    }
    this.emit('changed', entry.experimentId)
    this.pump()
  }

  private endQueued(list: trials.TrialRecord[], status: 'cancelled' | 'skipped', reason: string): void {
    this.db.transaction(() => {
      for (const t of list) {
        trials.setTrialStatus(this.db, t.id, status)
        if (t.runId) runs.endRun(this.db, t.runId, 'cancelled', reason)
      }
    })()
    for (const t of list) if (t.runId) this.emit('runChanged', t.runId)
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
    this.db.prepare('UPDATE trials SET run_id = ? WHERE id = ?').run(run.id, trialId)
    return run
  }
}

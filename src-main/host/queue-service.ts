/**
 * Queuing a spec: generated datasets are made (once, in a data worker) and stored as versions,
 * the spec is rewritten to name those versions, and its trials are added to the queue (the
 * scheduler, core/search/scheduler.ts). The views (queue list, leaderboard) are computed here from
 * the store, for every front door.
 */
import type { Db } from '../core/store/database'
import { isGenerated, type DatasetSpec, type ExperimentSpec } from '../core/search/spec'
import { dataIdentity, assertSearchSize, SearchTooLargeError, DEFAULT_MAX_TRIALS_PER_SEARCH } from '../core/search/expand'
import { getSetting, setSetting } from '../core/store/settings-repo'
import { resolveDatasetId } from '../core/store/datasets-repo'
import * as runs from '../core/store/runs-repo'
import * as trials from '../core/store/trials-repo'
import { listExperiments, getExperiment, type ExperimentRow } from '../core/store/experiments-repo'
import { expandTrials } from '../core/search/expand'
import { ApiError, type QueuedExperiment, type Leaderboard, type LeaderboardRow, type RankSplit } from '../contract/api'
import type { DatasetJobs } from './dataset-jobs'
import type { Scheduler, EnqueueResult } from '../core/search/scheduler'
import type { RunManager } from './run-manager'

export class QueueService {
  constructor(
    private readonly db: Db,
    private readonly jobs: DatasetJobs,
    private readonly scheduler: Scheduler,
    private readonly runManager: RunManager
  ) {}

  /** The `maxTrialsPerSearch` setting: larger searches are refused before anything is queued. */
  maxTrialsPerSearch(): number {
    return getSetting<number>(this.db, 'maxTrialsPerSearch') ?? DEFAULT_MAX_TRIALS_PER_SEARCH
  }

  setMaxTrialsPerSearch(limit: number | null): void {
    setSetting(this.db, 'maxTrialsPerSearch', limit)
  }

  /** Refuses a search above the limit (counted without enumerating it) as bad input on `search`. */
  checkSearchSize(spec: ExperimentSpec): number {
    try {
      return assertSearchSize(spec, this.maxTrialsPerSearch())
    } catch (err) {
      if (err instanceof SearchTooLargeError) throw new ApiError('bad_input', `${spec.name}: ${err.message}`, err.path)
      throw err
    }
  }

  async enqueue(spec: ExperimentSpec, sourceFile: string | null, opts: { focus?: boolean } = {}): Promise<EnqueueResult> {
    this.checkSearchSize(spec)
    const dataset = await this.materialise(spec.dataset, 'dataset')
    const split = spec.split
    const test = split.kind === 'separate-test' ? await this.materialise(split.test, 'split.test') : undefined
    const validation = split.kind === 'separate-test' && split.validation ? await this.materialise(split.validation, 'split.validation') : undefined
    const resolved: ExperimentSpec = {
      ...spec,
      dataset: { version: dataset },
      split:
        split.kind === 'separate-test'
          ? { ...split, test: { version: test! }, ...(validation ? { validation: { version: validation } } : {}) }
          : split
    }
    return this.scheduler.enqueue(resolved, sourceFile, dataIdentity(resolved, { dataset, test, validation }), opts)
  }

  /**
   * One run of a single-trial spec, started now or found: a trial known already (done, running
   * or queued) answers with its latest run; a failed, cancelled or skipped one is tried again.
   */
  async startOne(spec: ExperimentSpec, sourceFile: string | null): Promise<{ runId: number }> {
    const n = this.checkSearchSize(spec)
    if (n !== 1 && expandTrials(spec).length !== 1) {
      throw new ApiError('bad_input', `'${spec.name}' is a search of ${n} trials: queue it (experiments.queue) instead of starting one run`, 'search')
    }
    const r = await this.enqueue(spec, sourceFile)
    const trial = trials.getTrial(this.db, r.trialIds[0])!
    if (trial.status === 'failed' || trial.status === 'cancelled' || trial.status === 'skipped') this.scheduler.retry(r.experimentId, true)
    return { runId: r.runIds[0] ?? trials.getTrial(this.db, r.trialIds[0])!.runId! }
  }

  list(): QueuedExperiment[] {
    return listExperiments(this.db).map((e) => this.summary(e))
  }

  /** The experiment's queue summary; not_found (on `experimentId`) when there is none. */
  get(experimentId: number): QueuedExperiment {
    return this.summary(this.experiment(experimentId))
  }

  /** Resolves with the summary once the experiment has nothing left to run (scheduler.waitForExperiment). */
  async wait(experimentId: number): Promise<QueuedExperiment> {
    this.experiment(experimentId)
    await this.scheduler.waitForExperiment(experimentId)
    return this.get(experimentId)
  }

  /** The stored experiment, or not_found on `experimentId`. */
  experiment(experimentId: number): ExperimentRow {
    const e = getExperiment(this.db, experimentId)
    if (!e) throw new ApiError('not_found', `experiment ${experimentId} not found`, 'experimentId')
    return e
  }

  /** Whether a trial exists (not_found on `trialId` otherwise). */
  needTrial(trialId: number): void {
    if (!trials.getTrial(this.db, trialId)) throw new ApiError('not_found', `trial ${trialId} not found`, 'trialId')
  }

  /**
   * The trials ranked by the objective on `rankBy`: validation by default — the honest way,
   * where the winner is chosen on data that is not the test set. Test metrics are reported beside
   * it; ranking on test is possible, and the board says that it is.
   */
  leaderboard(experimentId: number, rankBy: RankSplit = 'validation'): Leaderboard {
    const e = this.experiment(experimentId)
    const { metric, direction } = e.spec.objective
    const list = trials.listTrials(this.db, experimentId)
    const briefs = runs.runBriefs(this.db, experimentId)
    const rows: LeaderboardRow[] = list.map((t) => {
      const run = t.runId ? (briefs.get(t.runId) ?? null) : null
      const metrics = run?.status === 'done' ? run.metrics : null
      const validationMetrics = run?.status === 'done' ? run.validationMetrics : null
      const value = (rankBy === 'validation' ? validationMetrics : metrics)?.[metric]
      return {
        trialId: t.id,
        ordinal: t.ordinal,
        status: t.status,
        attempts: t.attempts,
        priority: t.priority,
        runId: t.runId,
        params: t.params,
        metrics,
        validationMetrics,
        targets: run?.targets ?? [],
        targetsMet: metrics && run!.targets.length > 0 ? run!.targets.every((x) => x.met) : null,
        objectiveValue: typeof value === 'number' && Number.isFinite(value) ? value : null,
        rank: null,
        durationMs: run?.durationMs ?? null,
        progress: run?.status === 'running' ? this.runManager.liveProgress(run.id) : null
      }
    })
    const ranked = rows.filter((r) => r.objectiveValue !== null).sort((a, b) => (direction === 'maximize' ? b.objectiveValue! - a.objectiveValue! : a.objectiveValue! - b.objectiveValue!))
    ranked.forEach((r, i) => (r.rank = i + 1))
    const unranked = rows.filter((r) => r.objectiveValue === null)
    const searched = Object.keys(e.spec.search?.space ?? {})
    return { experiment: this.summary(e), searchedParams: searched, rankedOn: rankBy, rows: [...ranked, ...unranked] }
  }

  private summary(e: ExperimentRow): QueuedExperiment {
    const counts = trials.countByStatus(this.db, e.id)
    const total = Object.values(counts).reduce((a, b) => a + b, 0)
    const { metric, direction } = e.spec.objective
    const done = runs.doneTrialBriefs(this.db, e.id)
    // The winner is chosen on validation; its test value is reported beside it.
    let best: QueuedExperiment['best'] = null
    const metBy: number[] = []
    let totalMs = 0
    for (const d of done) {
      const v = d.validationMetrics?.[metric]
      if (typeof v === 'number' && Number.isFinite(v) && (!best || (direction === 'maximize' ? v > best.value : v < best.value))) {
        const test = d.metrics?.[metric]
        best = { trialId: d.trialId, runId: d.id, value: v, split: 'validation', testValue: typeof test === 'number' && Number.isFinite(test) ? test : null }
      }
      if (d.targets.length > 0 && d.targets.every((t) => t.met)) metBy.push(d.trialId)
      totalMs += d.durationMs ?? 0
    }
    const left = counts.queued + counts.running
    const parallel = Math.max(1, Math.min(e.spec.concurrency ?? Infinity, this.scheduler.concurrencyLimit()))
    return {
      id: e.id,
      name: e.name,
      modelKind: e.spec.model.kind,
      status: e.status,
      priority: e.priority,
      sourceFile: e.sourceFile,
      search: e.spec.search?.kind ?? 'single',
      counts,
      total,
      etaMs: done.length > 0 && left > 0 ? ((totalMs / done.length) * left) / parallel : left === 0 ? 0 : null,
      objective: { metric, direction },
      best,
      targetsMetBy: metBy,
      concurrency: e.spec.concurrency ?? null,
      stopWhenTargetsMet: e.spec.stopWhenTargetsMet,
      createdAt: e.createdAt
    }
  }

  /** A generated dataset becomes a stored version (generated in a data worker); a version is checked. */
  private async materialise(ds: DatasetSpec, path: string): Promise<string> {
    if (!isGenerated(ds)) {
      const id = resolveDatasetId(this.db, ds.version)
      if (!id) throw new ApiError('bad_input', `${path}.version: no dataset version '${ds.version}' in this workspace (see \`workbench datasets list\`)`, `${path}.version`)
      return id
    }
    const outcome = await this.jobs.waitFor(this.jobs.start({ kind: 'generate', scenario: ds.generator, params: ds.params }))
    if (!outcome.dataset) throw new ApiError('bad_input', `${path}: could not generate ${ds.generator}: ${outcome.error}`, path)
    return outcome.dataset.id
  }
}

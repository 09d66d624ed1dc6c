/**
 * The application service: implements every API method and raises every event, whatever front
 * door (Electron IPC, WebSocket, CLI) calls it. It owns the workspace database, the experiments
 * catalog and the run manager.
 */
import { cpus } from 'node:os'
import { ApiError, type MethodInput, type MethodOutput, type RunScores, type ScoreSplit, type EventName, type EventPayload, type RunSummary, type RunDetail, type AppInfo } from '../contract/api'
import { dispatch, type Handlers } from './dispatch'
import { openWorkspace, type Workspace } from './workspace'
import { ExperimentsCatalog } from './experiments-catalog'
import { RunManager } from './run-manager'
import type { WorkerLauncher } from './worker-launcher'
import { WORKBENCH_VERSION, DEFAULT_EXPERIMENTS_DIR } from './app-meta'
import { doctorReport } from './doctor'
import { parseSpec } from '../core/search/spec'
import * as runs from '../core/store/runs-repo'
import { getDatasetMeta } from '../core/store/datasets-repo'
import { getExperiment } from '../core/store/experiments-repo'
import { expandTrials } from '../core/search/expand'
import * as trials from '../core/store/trials-repo'
import { Scheduler, DEFAULT_LEASE, type LeaseOptions } from './scheduler'
import { unregisterHost } from '../core/store/hosts-repo'
import { QueueService } from './queue-service'
import { scenarios } from '../core/data/scenarios'
import { DatasetsService } from './datasets-service'
import { DatasetJobs } from './dataset-jobs'
import { ImportWatcher } from './import-watcher'
import { BundlesService } from './bundles-service'
import { PathPolicy } from './path-policy'
import { AnalysisService } from './analysis-service'
import { PredictionsService } from './predictions-service'
import { splitEpisodes } from '../core/eval/split-episodes'
import { HistoryService, historyAxisOf } from './history-service'
import { ExplainService } from './explain-service'

export interface HostOptions {
  workspaceDir: string
  launcher: WorkerLauncher
  frontDoor: AppInfo['frontDoor']
  experimentsDir?: string
  /** Worker processes at once; default cores - 1, at least 1. */
  concurrency?: number
  /** Watch the experiments folder and the workspace's import folder (the UI wants it; a one-shot CLI run does not). */
  watchExperiments?: boolean
  /** `--shared DIR`: the shared bundle folder for this session (overrides the setting). */
  sharedDir?: string
  /** `--bundles DIR`: the local bundle library for this session (overrides the setting). */
  bundlesDir?: string
  /** Paths the user gave on the command line: the API may use them (see path-policy.ts). */
  allowedPaths?: string[]
  /**
   * Asks the user, outside the page, whether a folder may be allowed (`paths.allow`): the desktop
   * app's native dialog, since a compromised renderer could fake its own. Absent: the UI's own
   * confirmation is the user's word (the web host, whose page holds the token).
   */
  confirmFolder?: (folder: string) => Promise<boolean>
  /** A native file dialog (`paths.pick`, desktop app only); resolves to the picked paths, [] when cancelled. */
  pickPaths?: (request: MethodInput<'paths.pick'>) => Promise<string[]>
  /**
   * Serve the workspace's queue from the start: queued trials (and those a dead process left)
   * run without a new request. Default: on for the app and `serve` (watchExperiments), off for CLI
   * commands, which run only what they queue themselves.
   */
  runQueue?: boolean
  /**
   * When a finished run's feature importance is computed: `after-run` (in the background, as each
   * run finishes) or `on-demand` (when `runs.featureImportance` asks). Default: after-run for the
   * app and `serve` (as runQueue), on-demand for CLI commands, whose host closes when they end.
   */
  featureImportance?: 'after-run' | 'on-demand'
  /** Leases between processes sharing the workspace (default 30 s; `WORKBENCH_LEASE_MS`). */
  lease?: Partial<LeaseOptions>
}

type Listener = (event: EventName, payload: unknown) => void

/** Minimum gap between two `run.changed` events of one run (status changes always go out). */
const CHANGE_THROTTLE_MS = 200

export class WorkbenchHost {
  readonly workspace: Workspace
  readonly catalog: ExperimentsCatalog
  readonly runs: RunManager
  readonly scheduler: Scheduler
  readonly queue: QueueService
  readonly datasets: DatasetsService
  readonly jobs: DatasetJobs
  readonly importWatcher: ImportWatcher | null
  readonly bundles: BundlesService
  /** Which host paths the API may use: checked in every handler that takes one. */
  readonly paths: PathPolicy
  /** Threshold decisions and error lists over stored scores. */
  readonly analysis: AnalysisService
  readonly predictions: PredictionsService
  /** The runs list (filter, sort, page, CSV), tags and notes, run links and compare. */
  readonly history: HistoryService
  /** Raw windows, explanations and feature importance (inference workers). */
  readonly explain: ExplainService
  private readonly listeners = new Set<Listener>()
  private readonly lastSent = new Map<number, { at: number; status: string; timer: NodeJS.Timeout | null }>()
  private readonly frontDoor: AppInfo['frontDoor']
  private closed = false
  readonly handlers: Handlers

  constructor(opts: HostOptions) {
    const envLease = Number(process.env.WORKBENCH_LEASE_MS)
    const lease: LeaseOptions = {
      ...DEFAULT_LEASE,
      ...(Number.isFinite(envLease) && envLease > 0 ? { leaseMs: envLease, pollMs: Math.min(DEFAULT_LEASE.pollMs, envLease / 4) } : {}),
      ...opts.lease
    }
    this.workspace = openWorkspace(opts.workspaceDir, lease.leaseMs)
    this.frontDoor = opts.frontDoor
    this.catalog = new ExperimentsCatalog(opts.experimentsDir ?? DEFAULT_EXPERIMENTS_DIR, () => this.queue.maxTrialsPerSearch())
    const concurrency = opts.concurrency ?? Math.max(1, cpus().length - 1)
    this.runs = new RunManager(this.workspace.db, this.workspace.dbFile, this.workspace.artifactsDir, opts.launcher, this.workspace.owner)
    this.runs.on('changed', (id) => this.runChanged(id))
    this.runs.on('log', (log) => this.emit('run.log', log))
    this.runs.on('datasetAdded', (id) => this.emit('datasets.changed', { id }))
    this.runs.on('epoch', (runId, epoch) => this.emit('run.epoch', { runId, epoch }))
    this.jobs = new DatasetJobs(this.workspace.db, opts.launcher)
    this.datasets = new DatasetsService(this.workspace.db, this.jobs, this.workspace.dbFile)
    this.jobs.on('progress', (p) => this.emit('dataset.job', p))
    this.jobs.on('stored', (meta) => this.emit('datasets.changed', { id: meta.id }))
    this.scheduler = new Scheduler(this.workspace.db, this.runs, concurrency, WORKBENCH_VERSION, this.workspace.owner, lease)
    this.scheduler.on('changed', (experimentId) => this.emit('queue.changed', { experimentId }))
    this.scheduler.on('runChanged', (runId) => this.runChanged(runId))
    this.queue = new QueueService(this.workspace.db, this.jobs, this.scheduler, this.runs)
    this.bundles = new BundlesService(this.workspace.db, opts.launcher, this.workspace.dbFile, this.workspace.artifactsDir)
    this.bundles.override({ shared: opts.sharedDir, library: opts.bundlesDir })
    this.bundles.on('changed', () => this.emit('bundles.changed', {}))
    this.explain = new ExplainService(this.workspace.db, this.workspace.dbFile, this.workspace.artifactsDir, opts.launcher, this.datasets)
    this.explain.on('importance', (id) => {
      if (!this.closed) this.runChanged(id)
    })
    const importance = opts.featureImportance ?? ((opts.runQueue ?? opts.watchExperiments) ? 'after-run' : 'on-demand')
    if (importance === 'after-run') this.runs.on('ended', (id) => this.explain.runEnded(id))
    this.analysis = new AnalysisService(this.workspace.db, { scores: (id, split) => this.scores(id, split), series: (id) => this.datasets.series(id) })
    this.predictions = new PredictionsService({
      scores: (id, split) => this.scores(id, split),
      series: (id) => this.datasets.series(id),
      effectiveThreshold: (id) => this.analysis.thresholds(id, runs.getRun(this.workspace.db, id)?.threshold ?? null).effective
    })
    this.history = new HistoryService(this.workspace.db, {
      progress: (id) => this.runs.liveProgress(id),
      bundles: () => this.bundles.list(),
      thresholdReport: (id) => this.analysis.report({ id })
    })
    this.paths = new PathPolicy(() => [
      { label: 'workspace', path: this.workspace.dir },
      { label: 'bundle library', path: this.bundles.libraryDir() },
      ...(this.bundles.sharedDir() ? [{ label: 'shared folder', path: this.bundles.sharedDir()! }] : [])
    ])
    for (const p of opts.allowedPaths ?? []) this.paths.grant(p)
    if (opts.runQueue ?? opts.watchExperiments ?? false) this.scheduler.start()
    this.importWatcher = opts.watchExperiments ? new ImportWatcher(this.workspace.dir, this.jobs) : null
    if (opts.watchExperiments) {
      this.catalog.watch()
      this.catalog.on('changed', () => this.emit('experiments.changed', {}))
      this.importWatcher!.start()
      void this.bundles.watch()
    }
    this.handlers = {
      'app.info': () => ({
        version: WORKBENCH_VERSION,
        workspace: this.workspace.dir,
        experimentsDir: this.catalog.dir,
        frontDoor: this.frontDoor
      }),
      'doctor.report': () => doctorReport(this.workspace.dir),
      'experiments.list': () => this.catalog.list(),
      'runs.list': () => runs.listRuns(this.workspace.db).map((r) => this.summary(r)),
      'runs.get': ({ id }) => this.detail(id),
      'runs.scores': ({ id, split, episodes }) => {
        const s = this.scores(id, split)
        if (!episodes || !s.starts || s.windowLength === null || !s.datasetId) return { ...s, episodes: null }
        return { ...s, episodes: splitEpisodes(this.datasets.series(s.datasetId), s.starts, s.windowLength).index }
      },
      'runs.threshold': (input) => this.analysis.report(input),
      'runs.pickThreshold': (input) => this.analysis.pick(input),
      'runs.setThreshold': (input) => {
        const out = this.analysis.setThreshold(input)
        this.runChanged(input.id)
        return out
      },
      'runs.resetThreshold': (input) => {
        const out = this.analysis.resetThreshold(input)
        this.runChanged(input.id)
        return out
      },
      'runs.errors': (input) => this.analysis.errors(input),
      'runs.pointwise': (input) => this.predictions.pointwise(input),
      'runs.predictions': (input) => this.predictions.write({ ...input, path: this.paths.check(input.path, 'path') }),
      'runs.query': (input) => this.history.query(input),
      'runs.csv': (input) => this.history.csv(input),
      'runs.annotate': (input) => {
        const out = this.history.annotate(input)
        this.emit('run.annotated', out)
        return out
      },
      'runs.links': ({ id }) => this.history.links(id),
      'runs.compare': (input) => this.history.compare(input),
      'runs.window': (input) => this.explain.window(input),
      'runs.explain': (input) => this.explain.explain(input),
      'runs.featureImportance': ({ id, recompute }) => this.explain.importance(id, recompute),
      'runs.start': async (input) => {
        const spec = 'file' in input ? this.catalog.load(input.file) : parseSpec(input.spec)
        const n = this.queue.checkSearchSize(spec)
        if (n !== 1 && expandTrials(spec).length !== 1) {
          throw new ApiError('bad_input', `'${spec.name}' is a search of ${n} trials: queue it (experiments.queue) instead of starting one run`, 'search')
        }
        const r = await this.queue.enqueue(spec, 'file' in input ? input.file : null)
        // The trial may be known already (done, running or queued): its latest run answers.
        const trial = trials.getTrial(this.workspace.db, r.trialIds[0])!
        if (trial.status === 'failed' || trial.status === 'cancelled' || trial.status === 'skipped') this.scheduler.retry(r.experimentId, true)
        return { runId: r.runIds[0] ?? trials.getTrial(this.workspace.db, r.trialIds[0])!.runId! }
      },
      'runs.cancel': ({ id }) => {
        if (!runs.getRun(this.workspace.db, id)) throw new ApiError('not_found', `run ${id} not found`)
        return { cancelled: this.scheduler.cancelRun(id) }
      },
      'experiments.queue': async (input) => {
        const spec = 'file' in input ? this.catalog.load(input.file) : parseSpec(input.spec)
        const r = await this.queue.enqueue(spec, 'file' in input ? input.file : null)
        return { experimentId: r.experimentId, total: r.total, added: r.added, alreadyDone: r.alreadyDone, runIds: r.runIds }
      },
      'queue.list': () => this.queue.list(),
      'queue.leaderboard': ({ experimentId, rankBy }) => this.queue.leaderboard(experimentId, rankBy),
      'queue.pause': ({ experimentId }) => {
        this.needExperiment(experimentId)
        this.scheduler.pause(experimentId)
        return { ok: true }
      },
      'queue.resume': ({ experimentId }) => {
        this.needExperiment(experimentId)
        this.scheduler.resume(experimentId)
        return { ok: true }
      },
      'queue.cancelExperiment': ({ experimentId }) => {
        this.needExperiment(experimentId)
        return { cancelled: this.scheduler.cancelExperiment(experimentId) }
      },
      'queue.cancelTrial': ({ trialId }) => {
        if (!trials.getTrial(this.workspace.db, trialId)) throw new ApiError('not_found', `trial ${trialId} not found`, 'trialId')
        return { ok: this.scheduler.cancelTrial(trialId) }
      },
      'queue.retry': ({ experimentId, includeCancelled }) => {
        this.needExperiment(experimentId)
        return { requeued: this.scheduler.retry(experimentId, includeCancelled) }
      },
      'queue.setPriority': (input) => {
        if ('trialId' in input) {
          if (!this.scheduler.setTrialPriority(input.trialId, input.priority)) throw new ApiError('not_found', `trial ${input.trialId} not found`, 'trialId')
        } else {
          this.needExperiment(input.experimentId)
          this.scheduler.setExperimentPriority(input.experimentId, input.priority)
        }
        return { ok: true }
      },
      'settings.get': () => this.settings(),
      'settings.set': (input) => {
        if (input.maxTrialsPerSearch !== undefined) this.queue.setMaxTrialsPerSearch(input.maxTrialsPerSearch)
        this.bundles.setSettings({
          ...(input.sharedDir !== undefined ? { sharedDir: input.sharedDir && this.paths.check(input.sharedDir, 'sharedDir') } : {}),
          ...(input.bundlesDir !== undefined ? { bundlesDir: input.bundlesDir && this.paths.check(input.bundlesDir, 'bundlesDir') } : {})
        })
        return this.settings()
      },
      'paths.allow': async ({ folder }) => {
        const real = this.paths.grantableFolder(folder)
        if (opts.confirmFolder && !(await opts.confirmFolder(real))) throw new ApiError('forbidden', `${real} was not allowed (declined in the confirmation dialog)`, 'folder')
        return { folder: this.paths.grant(real) }
      },
      'paths.pick': async (request) => {
        if (!opts.pickPaths) throw new ApiError('bad_input', 'choosing a path in a dialog needs the desktop app: type the path instead', 'kind')
        return { paths: (await opts.pickPaths(request)).map((p) => this.paths.grant(p)) }
      },
      'bundles.list': () => this.bundles.list(),
      'bundles.export': ({ runId, to, name }) => this.bundles.export(runId, { to, name }),
      'bundles.verify': async ({ dir }) => {
        const r = await this.bundles.verify(this.paths.check(dir, 'dir'))
        return { ok: r.ok, problem: r.problem, maxAbsDiff: r.maxAbsDiff }
      },
      'bundles.import': ({ dir }) => this.bundles.import(this.paths.check(dir, 'dir')),
      'bundles.evaluate': ({ dir, datasetId }) => this.bundles.evaluate(this.paths.check(dir, 'dir'), datasetId),
      'scenarios.list': () =>
        Object.values(scenarios).map((sc) => ({ id: sc.id, title: sc.title, seed: sc.seed, description: sc.description, defaults: { ...sc.defaults } })),
      'datasets.list': () => this.datasets.list(),
      'datasets.get': ({ id }) => this.datasets.get(id),
      'datasets.generate': ({ scenario, params }) => {
        const def = (scenarios as Record<string, (typeof scenarios)[keyof typeof scenarios]>)[scenario]
        if (!def) throw new ApiError('bad_input', `unknown scenario '${scenario}' (known: ${Object.keys(scenarios).join(', ')})`, 'scenario')
        const parsed = def.paramsSchema.safeParse(params)
        if (!parsed.success) {
          const i = parsed.error.issues[0]
          throw new ApiError('bad_input', `params.${i.path.join('.')}: ${i.message}`, `params.${i.path.join('.')}`)
        }
        return { jobId: this.jobs.start({ kind: 'generate', scenario, params }) }
      },
      'datasets.import': ({ files, options }) => ({ jobId: this.jobs.start({ kind: 'import', files: files.map((f, i) => this.paths.check(f, `files.${i}`)), options }) }),
      'datasets.preview': ({ files, options }) => this.datasets.preview(files.map((f, i) => this.paths.check(f, `files.${i}`)), options),
      'datasets.saveRoles': ({ id, roles, note }) => {
        const r = this.datasets.saveRoles(id, roles, note)
        if (r.created) this.emit('datasets.changed', { id: r.id })
        return { id: r.id, created: r.created }
      },
      'datasets.window': (req) => this.datasets.window(req),
      'datasets.ranges': (req) => this.datasets.ranges(req),
      'datasets.histograms': ({ id, bins }) => this.datasets.histograms(id, bins),
      'datasets.saveLabels': ({ id, edits, note }) => {
        const r = this.datasets.saveLabels(id, edits, note)
        if (r.created) this.emit('datasets.changed', { id: r.id })
        return { id: r.id, created: r.created }
      },
      'datasets.export': ({ id, path }) => this.datasets.export(id, this.paths.check(path, 'path'))
    }
  }

  call(method: string, input: unknown): Promise<unknown> {
    return dispatch(this.handlers, method, input)
  }

  onEvent(listener: Listener): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  private settings(): MethodOutput<'settings.get'> {
    return { ...this.bundles.settings(), maxTrialsPerSearch: this.queue.maxTrialsPerSearch() }
  }

  private needExperiment(id: number): void {
    if (!getExperiment(this.workspace.db, id)) throw new ApiError('not_found', `experiment ${id} not found`, 'experimentId')
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    this.scheduler.shutdown()
    this.runs.shutdown()
    try {
      unregisterHost(this.workspace.db, this.workspace.owner)
    } catch {
      // A locked database: the row expires with the lease.
    }
    this.jobs.shutdown()
    this.explain.close()
    await this.importWatcher?.close()
    await this.bundles.close()
    for (const s of this.lastSent.values()) if (s.timer) clearTimeout(s.timer)
    await this.catalog.close()
    this.workspace.db.close()
  }

  summary(r: runs.RunRecord): RunSummary {
    const metrics = r.metrics as RunSummary['metrics']
    return {
      id: r.id,
      experimentId: r.experimentId,
      experimentName: r.experimentName,
      modelKind: r.modelKind,
      params: r.params,
      status: r.status,
      statusReason: r.statusReason,
      createdAt: r.createdAt,
      startedAt: r.startedAt,
      finishedAt: r.finishedAt,
      durationMs: r.durationMs,
      metrics,
      targets: r.targets,
      targetsMet: metrics && r.targets.length > 0 ? r.targets.every((t) => t.met) : null,
      progress: r.status === 'running' ? this.runs.liveProgress(r.id) : null
    }
  }

  detail(id: number): RunDetail {
    const db = this.workspace.db
    const r = runs.getRun(db, id)
    if (!r) throw new ApiError('not_found', `run ${id} not found`)
    const datasets: RunDetail['datasets'] = []
    for (const [role, dsId] of [['train', r.trainDatasetId], ['validation', r.validationDatasetId], ['test', r.testDatasetId]] as const) {
      const meta = dsId ? getDatasetMeta(db, dsId) : null
      if (meta) {
        datasets.push({ role, id: meta.id, name: meta.name, rows: meta.rows, columns: meta.columns, anomalyRate: meta.anomalyRate, typeCounts: meta.typeCounts, unlabelled: meta.unlabelled })
      }
    }
    return {
      ...this.summary(r),
      spec: getExperiment(db, r.experimentId)?.spec ?? null,
      backend: r.backend,
      threshold: r.threshold,
      confusion: r.confusion,
      trainMetrics: r.trainMetrics as RunDetail['trainMetrics'],
      validationMetrics: r.validationMetrics as RunDetail['validationMetrics'],
      pointMetrics: r.status === 'done' ? this.predictions.detail(id) : null,
      perSegment: r.perSegment as RunDetail['perSegment'],
      partRows: r.partRows,
      datasets,
      epochs: runs.listEpochs(db, id),
      historyAxis: historyAxisOf(r.modelKind),
      curves: r.curves as RunDetail['curves'],
      recallByType: r.recallByType,
      logs: runs.listLogs(db, id),
      scoreSplits: runs.scoreSplits(db, id) as RunDetail['scoreSplits'],
      thresholds: this.analysis.thresholds(id, r.threshold),
      ...this.explain.importanceState(r)
    }
  }

  /** A split's stored scores with the dataset's type names; a clear not_found when absent. */
  scores(id: number, split: ScoreSplit): RunScores {
    const db = this.workspace.db
    const run = runs.getRun(db, id)
    if (!run) throw new ApiError('not_found', `run ${id} not found`, 'id')
    const s = runs.loadScores(db, id, split)
    if (!s) {
      const have = runs.scoreSplits(db, id).map((x) => x.split)
      throw new ApiError(
        'not_found',
        run.status !== 'done'
          ? `run ${id} is ${run.status}: scores are stored when a run finishes`
          : `run ${id} stored no ${split} scores${have.length ? ` (it has: ${have.join(', ')})` : ''}`,
        'split'
      )
    }
    const meta = s.datasetId ? getDatasetMeta(db, s.datasetId) : null
    return {
      runId: id,
      split,
      datasetId: s.datasetId,
      count: s.scores.length,
      scores: s.scores,
      labels: s.labels,
      types: s.types,
      typeNames: meta?.typeNames ?? [],
      starts: s.starts,
      windowLength: s.windowLength,
      trainedThreshold: run.threshold
    }
  }

  private emit<E extends EventName>(event: E, payload: EventPayload<E>): void {
    for (const l of this.listeners) l(event, payload)
  }

  /** Status changes go out at once; progress-only changes at most every CHANGE_THROTTLE_MS. */
  private runChanged(id: number): void {
    const run = runs.getRun(this.workspace.db, id)
    if (!run) return
    const state = this.lastSent.get(id)
    const now = Date.now()
    const send = () => {
      const fresh = runs.getRun(this.workspace.db, id)
      if (!fresh) return
      this.lastSent.set(id, { at: Date.now(), status: fresh.status, timer: null })
      this.emit('run.changed', this.summary(fresh))
    }
    if (!state || state.status !== run.status || now - state.at >= CHANGE_THROTTLE_MS) {
      if (state?.timer) clearTimeout(state.timer)
      send()
    } else if (!state.timer) {
      state.timer = setTimeout(send, CHANGE_THROTTLE_MS - (now - state.at))
    }
  }
}

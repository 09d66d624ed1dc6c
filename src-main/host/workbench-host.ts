/**
 * The application service: implements every API method and raises every event, whatever front
 * door (Electron IPC, WebSocket, CLI) calls it. It opens the workspace, makes the services and
 * composes their handlers — one module per area under `handlers/` — into the contract's
 * `Handlers` (a method without a handler is a compile error), and translates the services' own
 * events into the contract's.
 */
import { availableParallelism } from 'node:os'
import type { AppInfo, MethodInput, RunDetail, RunScores, ScoreSplit } from '../contract/api'
import { dispatch, type Handlers } from './dispatch'
import { openWorkspace, type Workspace } from './workspace'
import { ExperimentsCatalog } from './experiments-catalog'
import { RunManager } from './run-manager'
import type { WorkerLauncher } from './worker-launcher'
import type { WarmWorkerOptions } from './training-workers'
import { WORKBENCH_VERSION, DEFAULT_EXPERIMENTS_DIR } from './app-meta'
import * as runs from '../core/store/runs-repo'
import { Scheduler, DEFAULT_LEASE, type LeaseOptions } from '../core/search/scheduler'
import { unregisterHost } from '../core/store/hosts-repo'
import { QueueService } from './queue-service'
import { DatasetsService } from './datasets-service'
import { DatasetJobs } from './dataset-jobs'
import { ImportWatcher } from './import-watcher'
import { UploadStaging } from './upload-staging'
import { BundlesService } from './bundles-service'
import { PathPolicy, realPath } from './path-policy'
import { AnalysisService } from './analysis-service'
import { PredictionsService } from './predictions-service'
import { HistoryService } from './history-service'
import { ExplainService } from './explain-service'
import { HostEvents, type EventListener } from './host-events'
import { RunChanges } from './run-changes'
import { RunViews } from './run-views'
import { appHandlers } from './handlers/app'
import { runsHandlers } from './handlers/runs'
import { analysisHandlers } from './handlers/analysis'
import { explainHandlers } from './handlers/explain'
import { historyHandlers } from './handlers/history'
import { queueHandlers } from './handlers/queue'
import { datasetsHandlers } from './handlers/datasets'
import { bundlesHandlers } from './handlers/bundles'
import { settingsHandlers } from './handlers/settings'
import { pathsHandlers } from './handlers/paths'
import { threadsPerTrial } from './compute-threads'
import { remoteHandlers } from './handlers/remote'
import { specBuilderHandlers } from './handlers/spec-builder'
import { SpecBuilderService } from './spec-builder-service'
import { RemoteService } from './remote/remote-service'

export interface HostOptions {
  workspaceDir: string
  launcher: WorkerLauncher
  frontDoor: AppInfo['frontDoor']
  experimentsDir?: string
  /**
   * Trials at once (scheduler slots); default one per core (`os.availableParallelism()`). Training
   * workers run one step nicer than the host (worker-launcher.ts `yieldToHost`), so using every core
   * never starves the host's event loop or the UI; a warm worker per slot costs no start-up per trial.
   */
  concurrency?: number
  /** How long idle warm training workers stay, how many trials and how much memory each may take (training-workers.ts). */
  warmWorkers?: WarmWorkerOptions
  /** Watch the experiments folder: specs added, edited or removed show up (`experiments.changed`). */
  watchExperiments?: boolean
  /** Import the files dropped into `<workspace>/import` (import-watcher.ts). */
  watchImportFolder?: boolean
  /** Watch the bundle library and the shared folder: a colleague's export appears (`bundles.changed`). */
  watchBundles?: boolean
  /**
   * Serve the workspace's queue from the start: queued trials (and those a dead process left)
   * run without a new request. Default off: a CLI command runs only what it queues itself.
   */
  runQueue?: boolean
  /**
   * When a finished run's feature importance is computed: `after-run` (in the background, as each
   * run finishes) or `on-demand` (when `runs.featureImportance` asks). Default: after-run when the
   * host serves the queue (runQueue), on-demand otherwise (a CLI command's host closes when it ends).
   */
  featureImportance?: 'after-run' | 'on-demand'
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
  /** Leases between processes sharing the workspace (default 30 s; `WORKBENCH_LEASE_MS`). */
  lease?: Partial<LeaseOptions>
}

/** A host a person works in (the desktop app, `serve`): every folder watched, the whole queue served. */
export const INTERACTIVE_HOST = {
  watchExperiments: true,
  watchImportFolder: true,
  watchBundles: true,
  runQueue: true,
  featureImportance: 'after-run'
} as const satisfies Partial<HostOptions>

/** The lease: defaults, then `WORKBENCH_LEASE_MS` (polled four times per lease at least), then the options. */
function leaseOptions(given: Partial<LeaseOptions> | undefined): LeaseOptions {
  const env = Number(process.env.WORKBENCH_LEASE_MS)
  return {
    ...DEFAULT_LEASE,
    ...(Number.isFinite(env) && env > 0 ? { leaseMs: env, pollMs: Math.min(DEFAULT_LEASE.pollMs, env / 4) } : {}),
    ...given
  }
}

/** Problems a background part of the host meets and carries on after: the host's log is stderr. */
function logProblem(message: string): void {
  process.stderr.write(`workbench: ${message}\n`)
}

export class WorkbenchHost {
  readonly workspace: Workspace
  readonly catalog: ExperimentsCatalog
  readonly runs: RunManager
  readonly scheduler: Scheduler
  readonly queue: QueueService
  readonly datasets: DatasetsService
  readonly jobs: DatasetJobs
  readonly importWatcher: ImportWatcher | null
  /** Files uploaded through the web host, staged in the workspace until imported. */
  readonly staging: UploadStaging
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
  /** Trials on other machines' agents through Redis (issue 14). */
  readonly remote: RemoteService
  readonly handlers: Handlers
  private readonly events = new HostEvents()
  private readonly views: RunViews
  private readonly runChanges: RunChanges
  private closed = false

  constructor(opts: HostOptions) {
    const lease = leaseOptions(opts.lease)
    const emit = this.events.emit
    const ws = (this.workspace = openWorkspace(opts.workspaceDir, lease.leaseMs))

    this.views = new RunViews(ws.db, {
      progress: (id) => this.runs.liveProgress(id),
      analysis: () => this.analysis,
      predictions: () => this.predictions,
      explain: () => this.explain
    })
    this.runChanges = new RunChanges((id) => this.views.summaryOf(id), (summary) => emit('run.changed', summary))
    const runChanged = (id: number) => this.runChanges.changed(id)

    const localSlots = opts.concurrency ?? availableParallelism()
    this.runs = new RunManager(ws.db, ws.dbFile, ws.artifactsDir, opts.launcher, ws.owner, opts.warmWorkers, threadsPerTrial(localSlots))
    this.remote = new RemoteService(ws.db, this.runs, localSlots)
    this.scheduler = new Scheduler(ws.db, this.runs, () => this.runs.slotLimit(localSlots), WORKBENCH_VERSION, ws.owner, lease)
    this.jobs = new DatasetJobs(ws.db, opts.launcher)
    this.datasets = new DatasetsService(ws.db, this.jobs, ws.dbFile)
    this.queue = new QueueService(ws.db, this.jobs, this.scheduler, this.runs)
    this.catalog = new ExperimentsCatalog(opts.experimentsDir ?? DEFAULT_EXPERIMENTS_DIR, () => this.queue.maxTrialsPerSearch())
    this.bundles = new BundlesService(ws.db, opts.launcher, ws.dbFile, ws.artifactsDir)
    this.bundles.override({ shared: opts.sharedDir, library: opts.bundlesDir })
    this.explain = new ExplainService(ws.db, ws.dbFile, ws.artifactsDir, opts.launcher, this.datasets)
    this.analysis = new AnalysisService(ws.db, { scores: (id, split) => this.scores(id, split), series: (id) => this.datasets.series(id) })
    this.predictions = new PredictionsService({
      scores: (id, split) => this.scores(id, split),
      series: (id) => this.datasets.series(id),
      effectiveThreshold: (id) => this.analysis.thresholds(id, runs.getRun(ws.db, id)?.threshold ?? null).effective
    })
    this.history = new HistoryService(ws.db, {
      progress: (id) => this.runs.liveProgress(id),
      bundles: () => this.bundles.list(),
      thresholdReport: (id) => this.analysis.report({ id })
    })
    this.paths = new PathPolicy(() => [
      { label: 'workspace', path: ws.dir },
      { label: 'bundle library', path: this.bundles.libraryDir() },
      ...(this.bundles.sharedDir() ? [{ label: 'shared folder', path: this.bundles.sharedDir()! }] : [])
    ])
    for (const p of opts.allowedPaths ?? []) this.paths.grant(p)
    this.staging = new UploadStaging(realPath(ws.dir))
    void this.staging.sweep().catch((err: Error) => logProblem(`upload staging: ${err.message}`))
    this.importWatcher = opts.watchImportFolder ? new ImportWatcher(ws.dir, this.jobs, logProblem) : null

    // The services' own events, as the contract names them. A run that ends frees its scheduler
    // slot first, then (after-run) has its feature importance computed.
    this.runs.on('ended', (id) => this.scheduler.runEnded(id))
    if ((opts.featureImportance ?? (opts.runQueue ? 'after-run' : 'on-demand')) === 'after-run') this.runs.on('ended', (id) => this.explain.runEnded(id))
    this.runs.on('changed', runChanged)
    this.runs.on('log', (log) => emit('run.log', log))
    this.runs.on('epoch', (runId, epoch) => emit('run.epoch', { runId, epoch }))
    this.jobs.on('progress', (p) => emit('dataset.job', p))
    this.jobs.on('stored', (meta) => emit('datasets.changed', { id: meta.id }))
    this.scheduler.on('changed', (experimentId) => emit('queue.changed', { experimentId }))
    this.scheduler.on('runChanged', runChanged)
    this.scheduler.on('problem', logProblem)
    this.bundles.on('changed', () => emit('bundles.changed', {}))
    this.bundles.on('problem', logProblem)
    this.catalog.on('changed', () => emit('experiments.changed', {}))
    this.explain.on('importance', runChanged)
    this.remote.on('changed', (status) => emit('remote.changed', status))
    this.remote.on('capacity', () => this.scheduler.pump())

    this.handlers = {
      ...appHandlers({ workspaceDir: ws.dir, experimentsDir: this.catalog.dir, frontDoor: opts.frontDoor, concurrency: this.scheduler.concurrencyLimit() }),
      ...runsHandlers({ views: this.views, datasets: this.datasets, scheduler: this.scheduler }),
      ...analysisHandlers({ analysis: this.analysis, predictions: this.predictions, paths: this.paths, runChanged }),
      ...explainHandlers({ explain: this.explain }),
      ...historyHandlers({ history: this.history, emit }),
      ...queueHandlers({ catalog: this.catalog, queue: this.queue, scheduler: this.scheduler }),
      ...datasetsHandlers({ datasets: this.datasets, jobs: this.jobs, paths: this.paths, staging: this.staging, emit }),
      ...bundlesHandlers({ bundles: this.bundles, paths: this.paths, emit }),
      ...settingsHandlers({ queue: this.queue, bundles: this.bundles, paths: this.paths }),
      ...pathsHandlers({ paths: this.paths, confirmFolder: opts.confirmFolder, pickPaths: opts.pickPaths }),
      ...remoteHandlers({ remote: this.remote }),
      ...specBuilderHandlers({
        builder: new SpecBuilderService(ws.db, this.catalog, { maxTrialsPerSearch: () => this.queue.maxTrialsPerSearch(), concurrency: () => this.scheduler.concurrencyLimit() })
      })
    }

    if (opts.runQueue) {
      this.scheduler.start()
      // The Redis server the app was connected to, again (a failed check leaves it local, and says so in Settings).
      void this.remote.restore().catch((err: Error) => logProblem(`remote runners: ${err.message}`))
    }
    if (opts.watchExperiments) this.catalog.watch()
    this.importWatcher?.start()
    if (opts.watchBundles) this.bundles.watch()
  }

  call(method: string, input: unknown): Promise<unknown> {
    return dispatch(this.handlers, method, input)
  }

  onEvent(listener: EventListener): () => void {
    return this.events.on(listener)
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    this.runChanges.close()
    this.scheduler.shutdown()
    this.runs.shutdown()
    await this.remote.close()
    try {
      unregisterHost(this.workspace.db, this.workspace.owner)
    } catch {
      // A locked database: the row expires with the lease.
    }
    this.jobs.shutdown()
    this.explain.close()
    await this.importWatcher?.close()
    await this.bundles.close()
    await this.catalog.close()
    this.workspace.db.close()
  }

  /** One run as `runs.get` answers it. */
  detail(id: number): RunDetail {
    return this.views.detail(id)
  }

  /** A split's stored scores as `runs.scores` answers them (without episodes). */
  scores(id: number, split: ScoreSplit): RunScores {
    return this.views.scores(id, split)
  }
}

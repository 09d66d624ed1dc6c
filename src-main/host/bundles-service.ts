/**
 * Model bundles: export a finished run (ONNX + preprocessing + config + model card, parity
 * checked) into the local library or the shared folder; list local and shared bundles (checked
 * against their manifests); verify; import a colleague's bundle; score files and evaluate a
 * bundle on a local dataset version (A/B beside the local runs). Every ONNX Runtime session runs
 * in an inference worker process. The shared folder is watched: a bundle a colleague's
 * workbench renames into place appears without a restart.
 */
import { EventEmitter } from 'node:events'
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs'
import { basename, dirname, join, resolve } from 'node:path'
import { watch, type FSWatcher } from 'chokidar'
import type { Db } from '../core/store/database'
import * as runs from '../core/store/runs-repo'
import { addBundleEvaluation, listBundleEvaluations } from '../core/store/bundle-evaluations-repo'
import { currentDecision } from '../core/store/thresholds-repo'
import type { MetricsAtThreshold, ThresholdChoice } from '../core/export/build-bundle'
import { getDatasetMeta, resolveDatasetId } from '../core/store/datasets-repo'
import { getSetting, setSetting } from '../core/store/settings-repo'
import { listBundleDirs, inspectBundle, copyBundle, sha256, bundleFolderName, type Manifest } from '../core/export/bundle'
import { evaluateScores } from '../core/eval/metrics'
import { pickMetrics } from '../core/eval/pick-metrics'
import { ApiError, type BundleInfo, type BundleEvaluation, type MethodOutput } from '../contract/api'
import type { WorkerLauncher } from './worker-launcher'
import { runInferenceJob, WorkerJobError } from './inference-jobs'

export class BundlesService extends EventEmitter<{ changed: []; problem: [message: string] }> {
  private watcher: FSWatcher | null = null
  private watching = false
  private readonly cache = new Map<string, { key: string; info: Omit<BundleInfo, 'location' | 'evaluations' | 'imported'> }>()
  private sharedOverride: string | null = null
  private libraryOverride: string | null = null

  constructor(
    private readonly db: Db,
    private readonly launcher: WorkerLauncher,
    private readonly dbFile: string,
    private readonly artifactsRoot: string
  ) {
    super()
  }

  /** `--shared DIR` / `--bundles DIR` for one invocation, without changing the stored setting. */
  override(opts: { shared?: string; library?: string }): void {
    if (opts.shared) this.sharedOverride = resolve(opts.shared)
    if (opts.library) this.libraryOverride = resolve(opts.library)
  }

  libraryDir(): string {
    return this.libraryOverride ?? getSetting<string>(this.db, 'bundlesDir') ?? join(dirname(this.dbFile), 'bundles')
  }

  sharedDir(): string | null {
    return this.sharedOverride ?? getSetting<string>(this.db, 'sharedDir')
  }

  settings(): { sharedDir: string | null; bundlesDir: string; overridden: { sharedDir: boolean; bundlesDir: boolean } } {
    return {
      sharedDir: this.sharedDir(),
      bundlesDir: this.libraryDir(),
      overridden: { sharedDir: this.sharedOverride !== null, bundlesDir: this.libraryOverride !== null }
    }
  }

  setSettings(s: { sharedDir?: string | null; bundlesDir?: string | null }): void {
    if (s.sharedDir !== undefined) setSetting(this.db, 'sharedDir', s.sharedDir ? resolve(s.sharedDir) : null)
    if (s.bundlesDir !== undefined) setSetting(this.db, 'bundlesDir', s.bundlesDir ? resolve(s.bundlesDir) : null)
    if (this.watching) void this.rewatch()
    this.emit('changed')
  }

  /**
   * Watches the shared folder (and the local library) for bundles appearing or going, from now
   * on and again whenever the settings move them. A folder that cannot be made or watched is
   * reported (`problem`), never thrown: the host carries on without that watch.
   */
  watch(): void {
    this.watching = true
    void this.rewatch()
  }

  private async rewatch(): Promise<void> {
    try {
      await this.watcher?.close()
      this.watcher = null
      // Both folders are made when missing: a colleague's first export must not go unseen because
      // the shared folder did not exist yet when this workbench started.
      const dirs = [this.libraryDir(), this.sharedDir()].filter((d): d is string => Boolean(d))
      for (const d of dirs) mkdirSync(d, { recursive: true })
      let timer: NodeJS.Timeout | null = null
      this.watcher = watch(dirs, { depth: 1, ignoreInitial: true, ignored: (p) => basename(p).startsWith('.tmp-') })
      this.watcher.on('all', () => {
        if (timer) clearTimeout(timer)
        timer = setTimeout(() => this.emit('changed'), 150)
      })
      this.watcher.on('error', (err) => this.emit('problem', `watching the bundle folders: ${(err as Error).message}`))
    } catch (err) {
      this.emit('problem', `the bundle folders cannot be watched (${(err as Error).message}): bundles appearing there show up on the next refresh`)
    }
  }

  async close(): Promise<void> {
    this.watching = false
    await this.watcher?.close()
    this.watcher = null
  }

  list(): BundleInfo[] {
    const local = listBundleDirs(this.libraryDir()).map((d) => this.describe(d, 'local'))
    const shared = this.sharedDir() ? listBundleDirs(this.sharedDir()!).map((d) => this.describe(d, 'shared')) : []
    const localFolders = new Set(local.map((b) => b.folder))
    for (const b of shared) b.imported = localFolders.has(b.folder)
    return [...local, ...shared]
  }

  /** `to`: 'local', 'shared', or a folder the caller checked (path policy); default shared when set, else local. */
  async export(runId: number, opts: { to?: 'local' | 'shared' | string; name?: string; version?: string } = {}, onProgress?: (f: number, m: string) => void) {
    const run = runs.getRun(this.db, runId)
    if (!run) throw new ApiError('not_found', `run ${runId} not found`, 'runId')
    if (run.status !== 'done') throw new ApiError('bad_input', `run ${runId} is ${run.status}: only a finished run can be exported`, 'runId')
    const model = runs.getRunModel(this.db, runId)
    if (!model) throw new ApiError('bad_input', `run ${runId} stored no model to export`, 'runId')
    if (!run.testDatasetId) throw new ApiError('bad_input', `run ${runId} recorded no test dataset (golden inputs come from it)`, 'runId')
    const parent =
      opts.to === 'shared'
        ? this.sharedDir() ?? (() => { throw new ApiError('bad_input', 'no shared folder is set (settings, or --shared DIR)', 'to') })()
        : opts.to === 'local' || opts.to === undefined
          ? opts.to === undefined && this.sharedDir()
            ? this.sharedDir()!
            : this.libraryDir()
          : resolve(opts.to)
    const name = (opts.name ?? run.experimentName).replace(/[^A-Za-z0-9._-]+/g, '_')
    let version = opts.version ?? `run${runId}`
    for (let k = 2; existsSync(join(parent, bundleFolderName(name, version))); k++) version = `${opts.version ?? `run${runId}`}.${k}`
    const ds = getDatasetMeta(this.db, run.testDatasetId)
    const tr = run.trainDatasetId ? getDatasetMeta(this.db, run.trainDatasetId) : null
    // A threshold saved after training is the one the bundle carries (runs.setThreshold).
    const decision = currentDecision<MetricsAtThreshold>(this.db, runId)
    const thresholdChoice: ThresholdChoice | null =
      decision && decision.source !== 'trained'
        ? { trained: run.threshold, chosen: decision.threshold, source: decision.source, basis: decision.basis, note: decision.note, decidedAt: decision.createdAt, validation: decision.validation, test: decision.test }
        : null
    const result = await runInferenceJob(
      this.launcher,
      {
        kind: 'export',
        run: {
          id: run.id,
          experimentName: run.experimentName,
          modelKind: run.modelKind,
          params: run.params,
          metrics: run.metrics,
          trainMetrics: run.trainMetrics,
          confusion: run.confusion,
          targets: run.targets,
          threshold: run.threshold,
          backend: run.backend?.name ?? null,
          workbenchVersion: run.workbenchVersion,
          model,
          thresholdChoice
        },
        testDatasetId: run.testDatasetId,
        dbFile: this.dbFile,
        artifactsDir: join(this.artifactsRoot, `run-${runId}`),
        dataset: { id: ds?.id ?? null, name: ds?.name ?? null, rows: ds?.rows ?? null, anomalyRate: ds?.anomalyRate ?? null },
        train: tr ? { id: tr.id, name: tr.name, rows: tr.rows } : null,
        name,
        version,
        parent
      },
      onProgress
    )
    this.emit('changed')
    return { dir: result.dir, name, version, onnxBytes: result.onnxBytes, parity: result.parity, location: parent === this.sharedDir() ? ('shared' as const) : ('local' as const) }
  }

  async verify(dir: string): Promise<MethodOutput<'bundles.verify'> & { manifest: Manifest | null }> {
    try {
      const r = await runInferenceJob(this.launcher, { kind: 'verify', dir: resolve(dir) })
      return {
        ok: r.ok,
        problem: r.ok ? null : `golden outputs differ beyond ${1e-4}: ${Object.entries(r.maxAbsDiff).map(([k, v]) => `${k} ${v}`).join(', ')}`,
        maxAbsDiff: r.maxAbsDiff,
        manifest: r.manifest
      }
    } catch (err) {
      return { ok: false, problem: (err as Error).message, maxAbsDiff: {}, manifest: null }
    }
  }

  /** Copies a (shared) bundle into the local library after checking it. */
  async import(dir: string): Promise<{ dir: string }> {
    const v = await this.verify(dir)
    if (!v.ok) throw new ApiError('bad_input', `bundle refused: ${v.problem}`, 'dir')
    let copied: string
    try {
      copied = copyBundle(resolve(dir), this.libraryDir())
    } catch (err) {
      throw new ApiError('conflict', (err as Error).message, 'dir')
    }
    this.emit('changed')
    return { dir: copied }
  }

  /** Scores a file with the bundle; what the worker refuses (the bundle, the file) is bad input. */
  async score(dir: string, file: string): Promise<MethodOutput<'bundles.score'>> {
    try {
      const r = await runInferenceJob(this.launcher, { kind: 'score', dir: resolve(dir), file: resolve(file) })
      return { threshold: r.threshold, windowLength: r.windowLength, scores: r.scores, starts: r.starts, times: r.times, filled: r.filled }
    } catch (err) {
      if (err instanceof WorkerJobError) throw new ApiError('bad_input', err.message, 'dir')
      throw err
    }
  }

  /** Scores a local dataset version with the bundle and stores the metrics (seed 002's A/B). */
  async evaluate(dir: string, datasetIdOrPrefix: string): Promise<BundleEvaluation> {
    const datasetId = resolveDatasetId(this.db, datasetIdOrPrefix)
    if (!datasetId) throw new ApiError('not_found', `no dataset version '${datasetIdOrPrefix}'`, 'datasetId')
    const info = this.describe(resolve(dir), 'local')
    if (!info.ok) throw new ApiError('bad_input', `bundle refused: ${info.problem}`, 'dir')
    const r = await runInferenceJob(this.launcher, { kind: 'score', dir: resolve(dir), datasetId, dbFile: this.dbFile })
    if (!r.hasLabels) throw new ApiError('bad_input', `dataset ${datasetId.slice(0, 12)} has no anomaly labels: nothing to evaluate against`, 'datasetId')
    const report = evaluateScores(r.labels, r.scores, r.threshold)
    const metrics = pickMetrics(report)
    const stored = addBundleEvaluation(this.db, {
      bundleSha: sha256(readFileSync(join(resolve(dir), 'manifest.json'))),
      bundleName: info.name ?? basename(dir),
      bundleDir: resolve(dir),
      datasetId,
      threshold: r.threshold,
      windows: r.scores.length,
      metrics,
      confusion: report.confusion
    })
    this.emit('changed')
    return this.withDatasetName(stored)
  }

  private evaluations(manifestSha: string): BundleEvaluation[] {
    return listBundleEvaluations(this.db, manifestSha).map((e) => this.withDatasetName(e))
  }

  private withDatasetName<E extends { datasetId: string }>(e: E): E & { datasetName: string | null } {
    return { ...e, datasetName: getDatasetMeta(this.db, e.datasetId)?.name ?? null }
  }

  /** Reads and checks a bundle; the result is cached until its manifest changes. */
  private describe(dir: string, location: 'local' | 'shared'): BundleInfo {
    let key = ''
    let manifestSha = ''
    try {
      const raw = readFileSync(join(dir, 'manifest.json'))
      manifestSha = sha256(raw)
      key = `${manifestSha}:${statSync(dir).mtimeMs}`
    } catch {
      key = 'unreadable'
    }
    let base = this.cache.get(dir)?.key === key ? this.cache.get(dir)!.info : null
    if (!base) {
      try {
        const { manifest, description } = inspectBundle(dir)
        const test = description.metrics.test
        base = {
          dir,
          folder: basename(dir),
          ok: true,
          problem: null,
          name: manifest.name,
          version: manifest.version,
          created: manifest.created,
          runId: manifest.runId,
          datasetId: manifest.datasetHash,
          kind: description.modelConfig.kind,
          threshold: description.modelConfig.threshold,
          onnxBytes: manifest.files['model.onnx'].bytes,
          // A metric the run could not compute is null in metrics.json: left out here.
          metrics: test ? Object.fromEntries(Object.entries(test).filter((e): e is [string, number] => e[1] !== null)) : null,
          targetsMet: description.metrics.targetsMet
        }
      } catch (err) {
        base = { dir, folder: basename(dir), ok: false, problem: (err as Error).message, name: null, version: null, created: null, runId: null, datasetId: null, kind: null, threshold: null, onnxBytes: null, metrics: null, targetsMet: null }
      }
      this.cache.set(dir, { key, info: base })
    }
    // A refused bundle's stored evaluations belong to what it was, not to what is on disk now.
    return { ...base, location, evaluations: base.ok && manifestSha ? this.evaluations(manifestSha) : [], imported: false }
  }
}


import type { BundleEvaluation, BundleInfo, MethodInput, MethodOutput, Settings } from '../../../src-main/contract/api'
import { Refreshing } from './refreshing.svelte'
import type { WorkbenchClient } from '../api/client'
import { errorMessage } from '../api/types'
import type { AbRun } from '../lib/bundles'
import { PathGrant } from './path-grant.svelte'

export type ExportResult = MethodOutput<'bundles.export'>
export type VerifyResult = MethodOutput<'bundles.verify'>
export type ExportTarget = NonNullable<MethodInput<'bundles.export'>['to']>

/** One export of a run, kept after it ends so the run page (or the leaderboard) shows how it went. */
export interface ExportState {
  runId: number
  /** The library, the shared folder, or a folder picked in the desktop app's dialog. */
  to: ExportTarget
  startedAt: number
  running: boolean
  result: ExportResult | null
  error: string | null
}

/** What a bundle row is doing or did last (verify / import / evaluate), by bundle dir. */
export interface BundleActionState {
  busy: 'verify' | 'import' | 'evaluate' | null
  verify: VerifyResult | null
  evaluation: BundleEvaluation | null
  error: string | null
}

const IDLE: BundleActionState = { busy: null, verify: null, evaluation: null, error: null }

/**
 * Bundles in the local library and the shared folder (`bundles.list`, re-fetched on
 * `bundles.changed`: a colleague's bundle renamed into the shared folder appears by itself), the
 * bundle settings, the per-bundle actions, the run exports, and the A/B comparison's local runs.
 * Lists are `$state.raw`: replaced, never mutated.
 */
export class BundlesStore extends Refreshing {
  bundles = $state.raw<BundleInfo[]>([])

  settings = $state.raw<Settings | null>(null)
  settingsError = $state<string | null>(null)
  savingSettings = $state(false)
  /** A bundle folder the host refused (outside the allowed folders), offered to allow. */
  readonly settingsGrant: PathGrant

  /** By bundle dir. */
  actions = $state.raw<Record<string, BundleActionState>>({})
  /** By run id. */
  exports = $state.raw<Record<number, ExportState>>({})

  /** A/B: the dataset version compared, and the local runs tested on it. */
  abDatasetId = $state<string | null>(null)
  abRuns = $state.raw<AbRun[]>([])
  abLoading = $state(false)
  abError = $state<string | null>(null)

  /** Whether a bundle's run id names a run of this workspace (same run, same test data), by run id. */
  localRuns = $state.raw<Record<number, boolean>>({})

  private refreshTimer: ReturnType<typeof setTimeout> | null = null
  private abToken = 0

  constructor(private readonly api: WorkbenchClient) {
    super()
    this.settingsGrant = new PathGrant(api)
    api.on('bundles.changed', () => this.scheduleRefresh())
    // A finished run may now appear in the A/B table.
    api.on('run.changed', (run) => {
      if (this.abDatasetId && run.status === 'done') this.scheduleAb()
    })
    api.onReconnected(() => {
      if (this.loaded) void this.refresh()
      void this.loadSettings()
    })
  }

  ensureLoaded(): void {
    this.ensureListed()
    if (!this.settings && !this.settingsError) void this.loadSettings()
  }

  /** The list alone (the notices need it from the start; the settings wait for a page that shows them). */
  ensureListed(): void {
    if (!this.loaded && !this.loading) void this.refresh()
  }

  get local(): BundleInfo[] {
    return this.bundles.filter((b) => b.location === 'local')
  }

  get shared(): BundleInfo[] {
    return this.bundles.filter((b) => b.location === 'shared')
  }

  protected async load(): Promise<void> {
    this.bundles = await this.api.call('bundles.list', {})
    void this.checkLocalRuns()
  }

  async loadSettings(): Promise<void> {
    try {
      this.settings = await this.api.call('settings.get', {})
      this.settingsError = null
    } catch (e) {
      this.settingsError = errorMessage(e)
    }
  }

  /**
   * Saves the shared folder (empty = none) and, when given, the local library (empty = the
   * default); resolves true when the host took them.
   */
  async saveSettings(sharedDir: string, bundlesDir?: string): Promise<boolean> {
    this.savingSettings = true
    this.settingsError = null
    this.settingsGrant.dismiss()
    try {
      this.settings = await this.api.call('settings.set', {
        sharedDir: sharedDir.trim() || null,
        ...(bundlesDir !== undefined && bundlesDir.trim() !== this.settings?.bundlesDir ? { bundlesDir: bundlesDir.trim() || null } : {})
      })
      void this.refresh()
      return true
    } catch (e) {
      this.settingsError = errorMessage(e)
      // The folder itself is offered: a bundle folder is a folder, not a file in one.
      this.settingsGrant.offer(e, (field) => (field === 'sharedDir' ? sharedDir.trim() : field === 'bundlesDir' ? (bundlesDir?.trim() ?? null) : null) || null)
      return false
    } finally {
      this.savingSettings = false
    }
  }

  action(dir: string): BundleActionState {
    return this.actions[dir] ?? IDLE
  }

  async verify(dir: string): Promise<void> {
    this.patch(dir, { busy: 'verify', error: null, verify: null })
    try {
      this.patch(dir, { verify: await this.api.call('bundles.verify', { dir }) })
    } catch (e) {
      this.patch(dir, { error: errorMessage(e) })
    } finally {
      this.patch(dir, { busy: null })
    }
  }

  async import(dir: string): Promise<void> {
    this.patch(dir, { busy: 'import', error: null })
    try {
      await this.api.call('bundles.import', { dir })
      await this.refresh()
    } catch (e) {
      this.patch(dir, { error: errorMessage(e) })
    } finally {
      this.patch(dir, { busy: null })
    }
  }

  async evaluate(dir: string, datasetId: string): Promise<void> {
    this.patch(dir, { busy: 'evaluate', error: null, evaluation: null })
    try {
      const evaluation = await this.api.call('bundles.evaluate', { dir, datasetId })
      this.patch(dir, { evaluation })
      // Show the new result in the comparison straight away.
      this.selectAbDataset(evaluation.datasetId)
      await this.refresh()
    } catch (e) {
      this.patch(dir, { error: errorMessage(e) })
    } finally {
      this.patch(dir, { busy: null })
    }
  }

  /** Exports a finished run; progress is the `running` flag (the host reports no fractions). */
  async export(runId: number, to: ExportTarget): Promise<void> {
    if (this.exports[runId]?.running) return
    this.setExport({ runId, to, startedAt: Date.now(), running: true, result: null, error: null })
    try {
      const result = await this.api.call('bundles.export', { runId, to })
      this.setExport({ ...this.exports[runId]!, running: false, result })
      void this.refresh()
    } catch (e) {
      this.setExport({ ...this.exports[runId]!, running: false, error: errorMessage(e) })
    }
  }

  dismissExport(runId: number): void {
    const { [runId]: _gone, ...rest } = this.exports
    this.exports = rest
  }

  /** Picks the A/B dataset version and loads the local runs tested on it. */
  selectAbDataset(id: string | null): void {
    if (id === this.abDatasetId) return
    this.abDatasetId = id
    this.abRuns = []
    void this.loadAb()
  }

  async loadAb(): Promise<void> {
    const id = this.abDatasetId
    const token = ++this.abToken
    if (!id) {
      this.abLoading = false
      this.abError = null
      return
    }
    this.abLoading = true
    try {
      const detail = await this.api.call('datasets.get', { id })
      const runs = await Promise.all(detail.runIds.map((runId) => this.api.call('runs.get', { id: runId }).catch(() => null)))
      if (token !== this.abToken) return
      this.abRuns = runs
        .filter((r) => r != null)
        .map((r) => ({ id: r.id, experimentName: r.experimentName, modelKind: r.modelKind, status: r.status, metrics: r.metrics, threshold: r.threshold, finishedAt: r.finishedAt, datasets: r.datasets }))
      this.abError = null
    } catch (e) {
      if (token === this.abToken) this.abError = errorMessage(e)
    } finally {
      if (token === this.abToken) this.abLoading = false
    }
  }

  /** Finds out, once per run id, whether a bundle's run is this workspace's (same id and test data). */
  private async checkLocalRuns(): Promise<void> {
    const todo = new Map<number, string | null>()
    for (const b of this.bundles) if (b.runId != null && !(b.runId in this.localRuns)) todo.set(b.runId, b.datasetId)
    for (const [runId, hash] of todo) {
      let local = false
      try {
        const run = await this.api.call('runs.get', { id: runId })
        local = hash == null || run.datasets.some((d) => d.id === hash)
      } catch {
        local = false
      }
      this.localRuns = { ...this.localRuns, [runId]: local }
    }
  }

  private patch(dir: string, p: Partial<BundleActionState>): void {
    this.actions = { ...this.actions, [dir]: { ...this.action(dir), ...p } }
  }

  private setExport(s: ExportState): void {
    this.exports = { ...this.exports, [s.runId]: s }
  }

  private scheduleRefresh(): void {
    if (this.refreshTimer) return
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = null
      void this.refresh()
    }, 100)
  }

  private abTimer: ReturnType<typeof setTimeout> | null = null
  private scheduleAb(): void {
    if (this.abTimer) return
    this.abTimer = setTimeout(() => {
      this.abTimer = null
      void this.loadAb()
    }, 500)
  }
}

import type { DatasetSummary, ImportOptions, JobProgress, ScenarioInfo } from '../../../src-main/contract/api'
import { Refreshing } from './refreshing.svelte'
import type { WorkbenchClient } from '../api/client'
import { errorMessage } from '../api/types'
import { PathGrant } from './path-grant.svelte'
import { listEntry, parentFolder } from '../lib/paths'

/** What the last "Save as new version" did, for the new version's page to report. */
export interface SavedLabels {
  fromId: string
  toId: string
  created: boolean
  oldLabelCount: number
  editCount: number
}

/**
 * The dataset versions list (`datasets.list`, newest first, re-fetched on `datasets.changed` and
 * after a reconnect), the scenarios to generate from, and the generate / import jobs with their
 * live progress (`dataset.job`). Jobs are kept after they end so their error (or the version
 * they made) stays on screen until dismissed.
 */
export class DatasetsStore extends Refreshing {
  datasets = $state.raw<DatasetSummary[]>([])

  scenarios = $state.raw<ScenarioInfo[]>([])
  scenariosError = $state<string | null>(null)

  /** Every job seen since the page opened, by id, in start order. */
  jobs = $state.raw<JobProgress[]>([])
  starting = $state<'generate' | 'import' | null>(null)
  generateError = $state<string | null>(null)
  importError = $state<string | null>(null)
  /** A file the host refused to read (outside the allowed folders): its folder, offered to allow. */
  readonly importGrant: PathGrant

  /** Set by the editor when it saves; read (once) by the new version's page. */
  lastSave = $state.raw<SavedLabels | null>(null)

  private refreshTimer: ReturnType<typeof setTimeout> | null = null

  constructor(private readonly api: WorkbenchClient) {
    super()
    this.importGrant = new PathGrant(api)
    api.on('datasets.changed', () => this.scheduleRefresh())
    api.on('dataset.job', (job) => this.applyJob(job))
    api.onReconnected(() => {
      if (this.loaded) void this.refresh()
    })
  }

  protected async load(): Promise<void> {
    const list = await this.api.call('datasets.list', {})
    this.datasets = [...list].sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt) || b.id.localeCompare(a.id))
  }

  ensureLoaded(): void {
    if (!this.loaded && !this.loading) void this.refresh()
    if (this.scenarios.length === 0 && !this.scenariosError) void this.loadScenarios()
  }

  async loadScenarios(): Promise<void> {
    try {
      this.scenarios = await this.api.call('scenarios.list', {})
      this.scenariosError = null
    } catch (e) {
      this.scenariosError = errorMessage(e)
    }
  }

  byId(id: string): DatasetSummary | undefined {
    return this.datasets.find((d) => d.id === id || d.id.startsWith(id))
  }

  /** Starts a generate job; resolves to its id, or null (error kept in `generateError`). */
  async generate(scenario: string, params: Record<string, unknown>): Promise<string | null> {
    this.starting = 'generate'
    this.generateError = null
    try {
      const { jobId } = await this.api.call('datasets.generate', { scenario, params })
      this.noteJob(jobId, 'generate', `generating ${scenario}`)
      return jobId
    } catch (e) {
      this.generateError = errorMessage(e)
      return null
    } finally {
      this.starting = null
    }
  }

  /** Starts an import job from host paths; resolves to its id, or null (error in `importError`). */
  async import(files: string[], options: ImportOptions): Promise<string | null> {
    this.starting = 'import'
    this.importError = null
    this.importGrant.dismiss()
    try {
      const { jobId } = await this.api.call('datasets.import', { files, options })
      this.noteJob(jobId, 'import', `importing ${files.length === 1 ? files[0] : `${files.length} files`}`)
      return jobId
    } catch (e) {
      this.importError = errorMessage(e)
      this.importGrant.offer(e, (field) => {
        const file = listEntry(field, 'files', files)
        return file ? parentFolder(file) : null
      })
      return null
    } finally {
      this.starting = null
    }
  }

  dismissJob(jobId: string): void {
    this.jobs = this.jobs.filter((j) => j.jobId !== jobId)
  }

  /** A job the client started: shown at 0 % until its first event (which may also come first). */
  private noteJob(jobId: string, kind: JobProgress['kind'], message: string): void {
    if (this.jobs.some((j) => j.jobId === jobId)) return
    this.jobs = [...this.jobs, { jobId, kind, fraction: 0, message, done: false, datasetId: null, error: null }]
  }

  private applyJob(job: JobProgress): void {
    const i = this.jobs.findIndex((j) => j.jobId === job.jobId)
    if (i < 0) this.jobs = [...this.jobs, job]
    else this.jobs = this.jobs.map((j, k) => (k === i ? job : j))
    if (job.done && job.datasetId) this.scheduleRefresh()
  }

  /** Coalesces bursts of `datasets.changed` (an import folder of many files) into one list call. */
  private scheduleRefresh(): void {
    if (this.refreshTimer) return
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = null
      void this.refresh()
    }, 100)
  }
}

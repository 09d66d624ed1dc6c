import type { ColumnRole, ColumnRoleEntry, DatasetSummary, ImportOptions, ImportPreview, JobProgress, ScenarioInfo } from '../../../src-main/contract/api'
import { Refreshing } from './refreshing.svelte'
import type { WorkbenchClient } from '../api/client'
import { errorMessage } from '../api/types'
import { PathGrant } from './path-grant.svelte'
import { FileDrop } from './file-drop.svelte'
import { listEntry, parentFolder } from '../lib/paths'
import { splitPaths } from '../lib/dataset-view'
import { importOptionsFor, intervalFrom, withRole, type IntervalUnit } from '../lib/column-roles'

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

  /** The import form: paths, the previewed columns and the roles set on them (kept across pages). */
  readonly importDraft: ImportDraft
  /** Files dropped on the view or uploaded, into the import form. */
  readonly fileDrop: FileDrop

  private refreshTimer: ReturnType<typeof setTimeout> | null = null

  constructor(private readonly api: WorkbenchClient) {
    super()
    this.importGrant = new PathGrant(api)
    this.importDraft = new ImportDraft(api, this.importGrant)
    const bridge = typeof window !== 'undefined' ? window.workbench : undefined
    this.fileDrop = new FileDrop(this.importDraft, bridge ? (f) => bridge.pathForFile(f) : null)
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

  /** Imports what the draft shows (its files, and its roles once previewed). */
  importDraftNow(): Promise<string | null> {
    const d = this.importDraft
    if (d.files.length === 0 || d.invalid) return Promise.resolve(null)
    return this.import(d.files, d.options).then((jobId) => {
      if (jobId) this.fileDrop.imported()
      return jobId
    })
  }

  /**
   * Changes column roles of a version (`datasets.saveRoles`); the result is a child version, or
   * an existing one with the same content. Throws the API's error for the caller to show.
   */
  async saveRoles(id: string, roles: Record<string, ColumnRole>, note?: string): Promise<{ id: string; created: boolean }> {
    const r = await this.api.call('datasets.saveRoles', { id, roles, ...(note?.trim() ? { note: note.trim() } : {}) })
    this.scheduleRefresh()
    return r
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

/**
 * The import form's state: the paths typed, what the host's preview says they hold
 * (`datasets.preview`), the role the user gave each column, the interval and name. Every role
 * change asks for a new preview with the new options, so the table always shows what the import
 * will do (the host plans the columns, one rule for preview and import); answers that arrive
 * out of order are dropped.
 */
export class ImportDraft {
  paths = $state('')
  name = $state('')
  intervalValue = $state('')
  intervalUnit = $state<IntervalUnit>('min')
  preview = $state.raw<ImportPreview | null>(null)
  /** Column → role, as the user set them (starts as the preview's plan). */
  roles = $state.raw<Record<string, ColumnRole>>({})
  previewing = $state(false)
  previewError = $state<string | null>(null)
  /** The paths the preview is of (a preview of other paths is stale). */
  private previewedPaths = $state('')
  private seq = 0

  constructor(
    private readonly api: WorkbenchClient,
    private readonly grant: PathGrant
  ) {}

  get files(): string[] {
    return splitPaths(this.paths)
  }

  /** The preview, when it is of the paths typed now. */
  get current(): ImportPreview | null {
    return this.preview && this.previewedPaths === this.files.join('\n') ? this.preview : null
  }

  /** The columns in file order with the roles the user set. */
  get columns(): ColumnRoleEntry[] {
    return (this.current?.columns ?? []).map((c) => ({ name: c.name, role: this.roles[c.name] ?? c.role }))
  }

  get hasTimestamp(): boolean {
    return this.columns.some((c) => c.role === 'timestamp')
  }

  /** The interval in ms (null: none given; NaN: not a positive number). */
  get intervalMs(): number | null {
    return intervalFrom(this.intervalValue, this.intervalUnit)
  }

  /** Why the form cannot import as it stands, or null. */
  get invalid(): string | null {
    const ms = this.intervalMs
    if (ms !== null && !(ms > 0)) return 'the interval must be a positive number'
    return null
  }

  /** The import options: explicit roles once previewed (nothing guessed), plus interval and name. */
  get options(): ImportOptions {
    const ms = this.intervalMs
    return {
      ...(this.current ? importOptionsFor(this.columns) : {}),
      // A previewed timestamp column makes an interval meaningless (the import would refuse it).
      ...(ms !== null && ms > 0 && !(this.current && this.hasTimestamp) ? { intervalMs: ms } : {}),
      ...(this.name.trim() ? { name: this.name.trim() } : {})
    }
  }

  /** Asks the host what the paths hold with the options as they stand. */
  async loadPreview(): Promise<void> {
    const files = this.files
    if (files.length === 0) return
    const key = files.join('\n')
    // Roles set on other paths do not carry over.
    const options = this.previewedPaths === key ? this.rolesOnly() : {}
    const seq = ++this.seq
    this.previewing = true
    this.previewError = null
    this.grant.dismiss()
    try {
      const p = await this.api.call('datasets.preview', { files, options })
      if (seq !== this.seq) return
      this.preview = p
      this.previewedPaths = key
      // With a problem the plan shown is the guess: the user's roles stay as they set them.
      if (!p.problem) this.roles = Object.fromEntries(p.columns.map((c) => [c.name, c.role]))
    } catch (e) {
      if (seq !== this.seq) return
      this.previewError = errorMessage(e)
      this.grant.offer(e, (field) => {
        const file = listEntry(field, 'files', files)
        return file ? parentFolder(file) : null
      })
    } finally {
      if (seq === this.seq) this.previewing = false
    }
  }

  /** Gives a column a role (a single-holder role moves) and previews again. */
  setRole(column: string, role: ColumnRole): void {
    this.roles = withRole(this.roles, column, role)
    void this.loadPreview()
  }

  clearPreview(): void {
    this.seq++
    this.preview = null
    this.previewedPaths = ''
    this.roles = {}
    this.previewError = null
    this.previewing = false
  }

  private rolesOnly(): ImportOptions {
    return this.current ? importOptionsFor(this.columns) : {}
  }
}

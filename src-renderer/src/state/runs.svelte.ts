import type { RunAnnotation, RunFilter, RunListRow, RunQueryResult, RunSort, RunSummary } from '../../../src-main/contract/api'
import { RUNS_PAGE_MAX } from '../../../src-main/contract/history'
import { fetchAllPages, toCsv, type TableColumn } from '../lib/table'
import type { WorkbenchClient } from '../api/client'
import { errorMessage } from '../api/types'
import { compareRunsNewestFirst, upsertRun } from '../lib/format'
import { DEFAULT_LIST_COLUMNS, LIST_COLUMNS_KEY, nextListSort, toggleSelection, withFilter } from '../lib/runs-list'
import { parseStoredColumns } from '../lib/leaderboard'

/**
 * Every run: loaded with `runs.list`, kept live by `run.changed` (upsert by id, newest first),
 * re-fetched after a reconnect (the nav badge and the queue's running trials read it). The list
 * is `$state.raw`: replaced, never mutated. `list` is the runs page: filtered, sorted and paged on
 * the host (`RunsList`), kept here so its choices survive leaving the page.
 */
export class RunsStore {
  runs = $state.raw<RunSummary[]>([])
  loading = $state(false)
  loaded = $state(false)
  error = $state<string | null>(null)

  /** Events that arrive while a `runs.list` is in flight, re-applied on top of its answer. */
  private buffered: RunSummary[] | null = null

  readonly list: RunsList

  constructor(private readonly api: WorkbenchClient) {
    api.on('run.changed', (run) => this.apply(run))
    api.onReconnected(() => void this.refresh())
    this.list = new RunsList(api)
  }

  async refresh(): Promise<void> {
    this.loading = true
    this.buffered = []
    try {
      let list = [...(await this.api.call('runs.list', {}))].sort(compareRunsNewestFirst)
      for (const run of this.buffered ?? []) list = upsertRun(list, run)
      this.runs = list
      this.error = null
      this.loaded = true
    } catch (e) {
      this.error = errorMessage(e)
    } finally {
      this.buffered = null
      this.loading = false
    }
  }

  /** Load once (views call this on mount; events keep it fresh afterwards). */
  ensureLoaded(): void {
    if (!this.loaded && !this.loading) void this.refresh()
  }

  byId(id: number): RunSummary | undefined {
    return this.runs.find((r) => r.id === id)
  }

  private apply(run: RunSummary): void {
    this.buffered?.push(run)
    this.runs = upsertRun(this.runs, run)
  }
}

/** How long typing in the search box rests before the list is fetched for it. */
const TEXT_DEBOUNCE_MS = 250
/** How long a burst of run events is gathered before one re-fetch. */
const REFRESH_DEBOUNCE_MS = 300

function safeLocalStorage(): Storage | null {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage
  } catch {
    return null
  }
}

/**
 * The runs page: one page of `runs.query` for the filter, sort and page chosen here, and what the
 * filters can choose from. Live: a `run.changed` for a row on the page patches it in place (its
 * status, progress, results); a new run, or a status change that may move rows, re-fetches
 * (debounced; one call in flight, one more after it). `run.annotated` patches tags and notes.
 * Answers that arrive after a newer request are dropped (sequence guard). It also holds the
 * compare selection (2-4 runs, in the order chosen) and the visible metric/param columns
 * (remembered in localStorage).
 */
export class RunsList {
  filter = $state.raw<RunFilter>({})
  /** The search box's text as typed (the filter takes it after a pause). */
  text = $state('')
  sort = $state.raw<RunSort>({ key: 'id', dir: 'desc' })
  offset = $state(0)
  pageSize = $state(50)
  result = $state.raw<RunQueryResult | null>(null)
  loading = $state(false)
  loaded = $state(false)
  error = $state<string | null>(null)
  /** Runs chosen for compare, in the order chosen. */
  selected = $state.raw<number[]>([])
  /** Set when a fifth run was refused. */
  selectionFull = $state(false)
  columns = $state.raw<string[]>(DEFAULT_LIST_COLUMNS)
  exporting = $state(false)
  /** Rows fetched so far by the export in progress. */
  exported = $state(0)
  exportError = $state<string | null>(null)

  /** Each run's status as last seen in an event: progress events alone never re-fetch. */
  private readonly statusSeen = new Map<number, RunSummary['status']>()
  private seq = 0
  private inFlight = false
  private again = false
  private textTimer: ReturnType<typeof setTimeout> | null = null
  private refreshTimer: ReturnType<typeof setTimeout> | null = null

  constructor(
    private readonly api: WorkbenchClient,
    private readonly storage: Storage | null = safeLocalStorage()
  ) {
    this.columns = parseStoredColumns(this.storage?.getItem(LIST_COLUMNS_KEY) ?? null) ?? DEFAULT_LIST_COLUMNS
    api.on('run.changed', (run) => this.onRunChanged(run))
    api.on('run.annotated', (a) => this.onAnnotated(a))
    api.onReconnected(() => {
      if (this.loaded) void this.refresh()
    })
  }

  get rows(): RunListRow[] {
    return this.result?.rows ?? []
  }

  get total(): number {
    return this.result?.total ?? 0
  }

  /** Load once (the page calls this on mount; events keep it fresh afterwards). */
  ensureLoaded(): void {
    if (!this.loaded && !this.loading) void this.refresh()
  }

  /** Fetches the page for the current choices; a call while one is in flight runs once more after it. */
  async refresh(): Promise<void> {
    if (this.inFlight) {
      this.again = true
      return
    }
    this.inFlight = true
    this.loading = true
    const seq = ++this.seq
    try {
      const result = await this.api.call('runs.query', { filter: this.filter, sort: this.sort, offset: this.offset, limit: this.pageSize })
      if (seq !== this.seq) return
      // A page past the end (runs went, a filter narrowed): go back to the last page.
      if (result.rows.length === 0 && result.total > 0 && this.offset > 0) {
        this.offset = Math.max(0, Math.floor((result.total - 1) / this.pageSize) * this.pageSize)
        this.again = true
      } else {
        this.result = result
      }
      this.error = null
      this.loaded = true
    } catch (e) {
      if (seq === this.seq) this.error = errorMessage(e)
    } finally {
      this.inFlight = false
      this.loading = false
      if (this.again) {
        this.again = false
        void this.refresh()
      }
    }
  }

  /** Sets one filter field (empty removes it) and goes back to the first page. */
  setFilter<K extends keyof RunFilter>(key: K, value: RunFilter[K] | undefined): void {
    this.filter = withFilter(this.filter, key, value)
    this.offset = 0
    void this.refresh()
  }

  /** The search box: the filter follows the text after a short pause. */
  setText(text: string): void {
    this.text = text
    if (this.textTimer) clearTimeout(this.textTimer)
    this.textTimer = setTimeout(() => {
      this.textTimer = null
      if ((this.filter.text ?? '') !== text.trim()) this.setFilter('text', text.trim())
    }, TEXT_DEBOUNCE_MS)
  }

  clearFilters(): void {
    if (this.textTimer) clearTimeout(this.textTimer)
    this.text = ''
    this.filter = {}
    this.offset = 0
    void this.refresh()
  }

  sortBy(key: string): void {
    this.sort = nextListSort(this.sort, key)
    this.offset = 0
    void this.refresh()
  }

  goTo(offset: number): void {
    const last = Math.max(0, this.total - 1)
    this.offset = Math.max(0, Math.min(Math.floor(last / this.pageSize) * this.pageSize, offset))
    void this.refresh()
  }

  setPageSize(n: number): void {
    this.pageSize = n
    this.offset = 0
    void this.refresh()
  }

  toggleSelect(id: number): void {
    const r = toggleSelection(this.selected, id)
    this.selected = r.selected
    this.selectionFull = r.full
  }

  clearSelection(): void {
    this.selected = []
    this.selectionFull = false
  }

  toggleColumn(key: string, visible: boolean): void {
    const next = visible ? [...this.columns.filter((c) => c !== key), key] : this.columns.filter((c) => c !== key)
    this.setColumns(next)
  }

  resetColumns(): void {
    this.setColumns(DEFAULT_LIST_COLUMNS)
  }

  /**
   * Every run the filter matches, in the list's order (all pages, fetched `RUNS_PAGE_MAX` at a
   * time with the filter and sort as they are now), as CSV of the given columns (the ones shown);
   * the pages come without facets (the list's page has them; the CSV needs none).
   * `exported` counts the rows fetched so far for the button's progress.
   */
  async exportCsv(columns: readonly TableColumn<RunListRow>[]): Promise<{ csv: string; rows: number } | null> {
    this.exporting = true
    this.exportError = null
    this.exported = 0
    const { filter, sort } = this
    try {
      const rows = await fetchAllPages((offset, limit) => this.api.call('runs.query', { filter, sort, offset, limit, facets: false }), RUNS_PAGE_MAX, (done) => (this.exported = done))
      return { csv: toCsv(columns, rows), rows: rows.length }
    } catch (e) {
      this.exportError = errorMessage(e)
      return null
    } finally {
      this.exporting = false
    }
  }

  /** Saves a run's tags and note; the `run.annotated` event updates the rows. Throws the API's error. */
  async annotate(id: number, a: { tags?: string[]; note?: string | null }): Promise<RunAnnotation> {
    const out = await this.api.call('runs.annotate', { id, ...a })
    this.onAnnotated(out)
    return out
  }

  private setColumns(columns: string[]): void {
    this.columns = columns
    try {
      this.storage?.setItem(LIST_COLUMNS_KEY, JSON.stringify(columns))
    } catch {
      // A full or refused storage: the choice lasts this session.
    }
  }

  private scheduleRefresh(): void {
    if (!this.loaded || this.refreshTimer) return
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = null
      void this.refresh()
    }, REFRESH_DEBOUNCE_MS)
  }

  private onRunChanged(run: RunSummary): void {
    const seen = this.statusSeen.get(run.id)
    this.statusSeen.set(run.id, run.status)
    const rows = this.result?.rows
    if (!rows) return
    const i = rows.findIndex((r) => r.id === run.id)
    if (i >= 0) {
      const before = rows[i]!
      // The summary's metrics are the standard ones; keep every stored metric the row had.
      const next: RunListRow = { ...before, ...run, metrics: run.metrics ? { ...(before.metrics ?? {}), ...run.metrics } : before.metrics }
      this.result = { ...this.result!, rows: rows.map((r, k) => (k === i ? next : r)) }
    }
    // A new run, or a new status, may move runs into, out of or around this page (the filter,
    // the sort, the facets' counts); a progress event alone changes nothing of that.
    if ((i >= 0 ? rows[i]!.status : seen) !== run.status) this.scheduleRefresh()
  }

  private onAnnotated(a: RunAnnotation): void {
    const rows = this.result?.rows
    if (rows?.some((r) => r.id === a.runId)) {
      this.result = { ...this.result!, rows: rows.map((r) => (r.id === a.runId ? { ...r, tags: a.tags, note: a.note } : r)) }
    }
    // Tags are a facet and a filter: the facets' counts and the matching rows may change.
    this.scheduleRefresh()
  }
}

import type { DatasetDetail, HistogramSet, LabelRange, RangePage, ScoreSplit, SeriesWindow } from '../../../src-main/contract/api'
import type { WorkbenchClient } from '../api/client'
import { errorCode, errorMessage } from '../api/types'
import {
  addEdit,
  clampRange,
  covers,
  fetchPlan,
  panBy,
  removeEdit,
  toApiEdits,
  undoEdit,
  withMargin,
  zoomAt,
  type PendingEdit,
  type RowRange
} from '../lib/dataset-view'
import { actionStarted, nextAction } from './perf'
import { buildOverlay, flaggedSpans, type FlagSpans, type ScoreOverlay } from '../lib/score-overlay'
import { PathGrant } from './path-grant.svelte'
import { parentFolder } from '../lib/paths'
import type { SavedLabels } from './datasets.svelte'

export type ChartMode = 'pan' | 'label'

/** A run's scores laid over this version's rows, with the run's threshold. */
export interface RunOverlay {
  runId: number
  /** The threshold the run applies now (chosen, else trained): windows scoring >= it are flagged. */
  threshold: number | null
  data: ScoreOverlay
  /** Rows covered by flagged windows. */
  flags: FlagSpans
  /** The splits drawn and their window counts. */
  splits: { split: ScoreSplit; count: number }[]
  /** Runs stored before scores were traced to rows cannot be drawn: how many such splits were skipped. */
  untraced: number
}
export type XAxisKind = 'time' | 'row'

/** How long the view must stay still before the window for it is fetched. */
const FETCH_DEBOUNCE_MS = 60
/** Columns drawn when a version opens. */
const DEFAULT_COLUMNS = 4
/** Labelled ranges per page of the ranges list. */
export const RANGES_PAGE = 50

/**
 * One dataset version's editor (Immich's TimelineManager idea): this class owns the large data
 * and exposes only what the view draws. It holds the version's detail, the current view (a row
 * range of one segment), the downsampled window fetched for it, the pending label edits (the
 * undo stack) and the side panels' data (histograms, ranges). Every zoom / pan changes `view`
 * at once (the chart rescales over the window it has) and, after a short debounce, fetches
 * `datasets.window` for the visible range with ~1 bucket per pixel; answers to older requests
 * are dropped. Edits are previewed only: `datasets.saveLabels` applies them on the server.
 */
export class DatasetEditor {
  detail = $state.raw<DatasetDetail | null>(null)
  loading = $state(true)
  error = $state<string | null>(null)
  notFound = $state(false)

  /** Segment index (entity / file) shown. */
  segment = $state(0)
  /** Visible rows [from, to) (global indices inside the segment). */
  view = $state.raw<RowRange>({ from: 0, to: 1 })
  /** The last window fetched; may cover more than the view, or (while fetching) another view. */
  window = $state.raw<SeriesWindow | null>(null)
  /** The action number `window` was fetched for (perf: settles redraw timings up to it). */
  windowAction = $state(0)
  /** The last action whose view the drawn data already serves (no fetch needed). */
  dataAction = $state(0)
  windowError = $state<string | null>(null)
  fetching = $state(false)

  /** Columns drawn (normalised, sharing one axis). */
  columns = $state.raw<string[]>([])
  /** When set, only this column is drawn, in its own units. */
  rawColumn = $state<string | null>(null)
  xAxis = $state<XAxisKind>('time')
  mode = $state<ChartMode>('pan')

  /** The brushed row range in label mode, waiting for "mark anomalous / normal". */
  selection = $state.raw<RowRange | null>(null)
  edits = $state.raw<PendingEdit[]>([])
  /** Type name for "mark anomalous": an existing type or a new one. */
  editType = $state('')
  note = $state('')
  saving = $state(false)
  saveError = $state<string | null>(null)
  saveInfo = $state<string | null>(null)

  histograms = $state.raw<HistogramSet | null>(null)
  histogramsError = $state<string | null>(null)
  /** The shown page of labelled ranges: a version may hold millions, so they come a page at a time. */
  ranges = $state.raw<RangePage | null>(null)
  rangesError = $state<string | null>(null)
  /** Type filter of the ranges list: undefined = every type, null = ranges without a type. */
  rangeType = $state<string | null | undefined>(undefined)

  /** The run whose scores are overlaid (null: none) and the overlay once loaded. */
  overlayRunId = $state<number | null>(null)
  overlay = $state.raw<RunOverlay | null>(null)
  overlayLoading = $state(false)
  overlayError = $state<string | null>(null)

  exportPath = $state('')
  exporting = $state(false)
  exportResult = $state.raw<{ path: string; rows: number; bytes: number } | null>(null)
  exportError = $state<string | null>(null)
  /** An export path the host refused (outside the allowed folders): its folder, offered to allow. */
  readonly exportGrant: PathGrant

  /** Plot width in CSS pixels (the chart reports it); 0 until known, and nothing is fetched. */
  private width = 0
  private action = 0
  private fetchSeq = 0
  private fetchTimer: ReturnType<typeof setTimeout> | null = null
  private loadSeq = 0
  private rangesSeq = 0
  private overlaySeq = 0
  private nextEditKey = 1
  private disposed = false
  private readonly unsubs: (() => void)[] = []
  private reloadTimer: ReturnType<typeof setTimeout> | null = null

  constructor(
    private readonly api: WorkbenchClient,
    readonly id: string,
    private readonly hooks: { onSaved?: (s: SavedLabels) => void; defaultExportDir?: () => string | null } = {},
    /** Where the editor opens: a row range to show and a run to overlay (the error inspector's "open in editor"). */
    private readonly initial: { rows?: RowRange; run?: number } = {}
  ) {
    this.exportGrant = new PathGrant(api)
    this.unsubs.push(
      // A new child (this page's save, or another window's) changes `children`: refresh the header.
      api.on('datasets.changed', () => this.scheduleReload()),
      api.onReconnected(() => void this.load())
    )
    void this.load()
  }

  // ---- derived facts -----------------------------------------------------------------------

  /** Row bounds of the current segment. */
  get bounds(): RowRange {
    const seg = this.detail?.segments[this.segment]
    if (seg) return { from: seg.start, to: seg.end }
    return { from: 0, to: Math.max(1, this.detail?.rows ?? 1) }
  }

  /** Number of the latest zoom / pan action (perf samples are keyed by it). */
  get currentAction(): number {
    return this.action
  }

  /** Columns the window request asks for. */
  get requestColumns(): string[] {
    return this.rawColumn ? [this.rawColumn] : this.columns
  }

  /** Type names for the "mark anomalous" picker: the version's, then new ones used in edits. */
  get typeChoices(): string[] {
    const known = this.detail?.typeNames ?? []
    const extra = this.edits.map((e) => e.type).filter((t): t is string => !!t && !known.includes(t))
    return [...known, ...new Set(extra)]
  }

  /** New type names used by pending edits (for colours). */
  get newTypes(): string[] {
    const known = this.detail?.typeNames ?? []
    return [...new Set(this.edits.map((e) => e.type).filter((t): t is string => !!t && !known.includes(t)))]
  }

  // ---- loading ----------------------------------------------------------------------------

  async load(): Promise<void> {
    const seq = ++this.loadSeq
    this.loading = this.detail === null
    try {
      const detail = await this.api.call('datasets.get', { id: this.id })
      if (this.disposed || seq !== this.loadSeq) return
      const first = this.detail === null || this.detail.id !== detail.id
      this.detail = detail
      this.error = null
      this.notFound = false
      if (first) this.start(detail)
    } catch (e) {
      if (this.disposed || seq !== this.loadSeq) return
      if (errorCode(e) === 'not_found') this.notFound = true
      else this.error = errorMessage(e)
    } finally {
      if (!this.disposed && seq === this.loadSeq) this.loading = false
    }
  }

  private start(d: DatasetDetail): void {
    this.columns = d.columns.slice(0, DEFAULT_COLUMNS)
    this.editType = d.typeNames[0] ?? 'manual'
    this.segment = 0
    this.view = this.bounds
    this.window = null
    const rows = this.initial.rows
    if (rows) {
      const seg = d.segments.findIndex((sg) => rows.from >= sg.start && rows.from < sg.end)
      if (seg > 0) this.segment = seg
      this.view = clampRange(rows, this.bounds)
    }
    if (this.initial.run != null) void this.setOverlayRun(this.initial.run)
    const dir = this.hooks.defaultExportDir?.()
    this.exportPath = `${dir ? `${dir.replace(/[\\/]+$/, '')}/` : ''}${safeName(d.name)}-${d.id.slice(0, 8)}.csv`
    this.scheduleFetch(0)
    void this.loadHistograms()
    void this.loadRanges()
  }

  async loadHistograms(bins = 30): Promise<void> {
    try {
      const h = await this.api.call('datasets.histograms', { id: this.id, bins })
      if (this.disposed) return
      this.histograms = h
      this.histogramsError = null
    } catch (e) {
      if (!this.disposed) this.histogramsError = errorMessage(e)
    }
  }

  /** Fetches the page of ranges starting at `offset` (of the current type filter). */
  async loadRanges(offset = 0): Promise<void> {
    const seq = ++this.rangesSeq
    const type = this.rangeType
    try {
      const r = await this.api.call('datasets.ranges', { id: this.id, offset, limit: RANGES_PAGE, ...(type !== undefined ? { type } : {}) })
      // A newer page or filter was asked for meanwhile: this answer is stale.
      if (this.disposed || seq !== this.rangesSeq) return
      this.ranges = r
      this.rangesError = null
    } catch (e) {
      if (!this.disposed && seq === this.rangesSeq) this.rangesError = errorMessage(e)
    }
  }

  setRangeType(type: string | null | undefined): void {
    this.rangeType = type
    void this.loadRanges(0)
  }

  private scheduleReload(): void {
    if (this.reloadTimer || this.disposed) return
    this.reloadTimer = setTimeout(() => {
      this.reloadTimer = null
      void this.load()
    }, 150)
  }

  // ---- view: zoom, pan, segment -----------------------------------------------------------

  /** The chart's plot width in pixels; a big change refetches at the new resolution. */
  setWidth(px: number): void {
    const w = Math.round(px)
    if (w <= 0) return
    const old = this.width
    this.width = w
    if (old === 0 || Math.abs(w - old) / old > 0.15) this.scheduleFetch(old === 0 ? 0 : FETCH_DEBOUNCE_MS)
  }

  /** Moves the view (every zoom and pan ends here); `kind` labels the perf sample. */
  setView(range: RowRange, kind = 'view'): void {
    const next = clampRange(range, this.bounds)
    if (next.from === this.view.from && next.to === this.view.to) return
    this.view = next
    const action = (this.action = nextAction())
    actionStarted(action, kind)
    if (this.windowServes(next)) this.dataAction = action
    else this.scheduleFetch(FETCH_DEBOUNCE_MS)
  }

  zoomAt(anchor: number, factor: number): void {
    this.setView(zoomAt(this.view, anchor, factor, this.bounds), 'zoom')
  }

  /** Zoom around the middle of the view (the buttons). */
  zoomBy(factor: number): void {
    this.zoomAt((this.view.from + this.view.to) / 2, factor)
  }

  pan(deltaRows: number): void {
    this.setView(panBy(this.view, deltaRows, this.bounds), 'pan')
  }

  resetZoom(): void {
    this.setView(this.bounds, 'reset')
  }

  setSegment(index: number): void {
    const d = this.detail
    if (!d || index < 0 || index >= d.segments.length || index === this.segment) return
    this.segment = index
    this.selection = null
    this.window = null
    this.view = this.bounds
    this.action = nextAction()
    this.scheduleFetch(0)
  }

  /** Zooms to an anomaly range (with margin), switching to its segment first. */
  showRange(r: Pick<LabelRange, 'start' | 'end' | 'segment'>): void {
    const d = this.detail
    if (!d) return
    const seg = d.segments.findIndex((s) => s.id === r.segment || (r.start >= s.start && r.start < s.end))
    if (seg >= 0 && seg !== this.segment) this.setSegment(seg)
    this.setView(withMargin({ from: r.start, to: r.end }, this.bounds), 'range')
  }

  setColumns(cols: string[]): void {
    const order = this.detail?.columns ?? cols
    this.columns = order.filter((c) => cols.includes(c))
    if (!this.rawColumn) this.scheduleFetch(0)
  }

  toggleColumn(col: string, on: boolean): void {
    this.setColumns(on ? [...this.columns, col] : this.columns.filter((c) => c !== col))
  }

  setRawColumn(col: string | null): void {
    this.rawColumn = col
    this.scheduleFetch(0)
  }

  setMode(mode: ChartMode): void {
    this.mode = mode
    if (mode === 'pan') this.selection = null
  }

  /** True when the window in hand covers `view` at about one bucket per pixel (or every row). */
  private windowServes(view: RowRange): boolean {
    const w = this.window
    if (!w || this.width <= 0 || !covers(w, view)) return false
    const cols = this.requestColumns
    if (w.columns.length !== cols.length || w.columns.some((c, i) => c.name !== cols[i])) return false
    const fetchedRows = w.to - w.from
    if (w.start.length >= fetchedRows) return true
    const bucketsInView = (w.start.length * (view.to - view.from)) / fetchedRows
    return bucketsInView >= 0.8 * this.width
  }

  private scheduleFetch(delay: number): void {
    if (this.fetchTimer) clearTimeout(this.fetchTimer)
    this.fetchTimer = setTimeout(() => {
      this.fetchTimer = null
      void this.fetchWindow()
    }, delay)
  }

  private async fetchWindow(): Promise<void> {
    const d = this.detail
    if (!d || this.width <= 0 || this.disposed) return
    const cols = this.requestColumns
    if (cols.length === 0) {
      this.window = null
      this.dataAction = this.action
      return
    }
    const plan = fetchPlan(this.view, this.bounds, this.width)
    const seq = ++this.fetchSeq
    const action = this.action
    this.fetching = true
    try {
      const w = await this.api.call('datasets.window', {
        id: d.id,
        segment: this.segment,
        from: plan.from,
        to: plan.to,
        buckets: plan.buckets,
        columns: cols
      })
      // A newer request went out meanwhile: this answer is stale.
      if (this.disposed || seq !== this.fetchSeq) return
      this.window = w
      this.windowAction = action
      this.dataAction = action
      this.windowError = null
    } catch (e) {
      if (this.disposed || seq !== this.fetchSeq) return
      this.windowError = errorMessage(e)
    } finally {
      if (!this.disposed && seq === this.fetchSeq) this.fetching = false
    }
  }

  /** Moves the view to rows (the route's row range changed while the page stays). */
  showRows(rows: RowRange): void {
    const d = this.detail
    if (!d) return
    const seg = d.segments.findIndex((sg) => rows.from >= sg.start && rows.from < sg.end)
    if (seg >= 0 && seg !== this.segment) this.setSegment(seg)
    this.setView(rows, 'range')
  }

  // ---- run overlay --------------------------------------------------------------------------

  /** Runs offered for the overlay: those that used this version, and the one the route names. */
  get overlayChoices(): number[] {
    const ids = new Set(this.detail?.runIds ?? [])
    if (this.initial.run != null) ids.add(this.initial.run)
    if (this.overlayRunId != null) ids.add(this.overlayRunId)
    return [...ids].sort((a, b) => b - a)
  }

  /**
   * Overlays run `runId`'s stored scores (every split it stored over this version's rows, or an
   * ancestor's: label edits keep rows) with its current threshold; null removes the overlay.
   */
  async setOverlayRun(runId: number | null): Promise<void> {
    const seq = ++this.overlaySeq
    this.overlayRunId = runId
    this.overlayError = null
    if (runId == null) {
      this.overlay = null
      this.overlayLoading = false
      return
    }
    this.overlayLoading = true
    try {
      const run = await this.api.call('runs.get', { id: runId })
      const d = this.detail
      if (this.disposed || seq !== this.overlaySeq || !d) return
      const versions = new Set([d.id, ...d.lineage.map((a) => a.id)])
      const mine = run.scoreSplits.filter((s) => s.datasetId != null && versions.has(s.datasetId))
      if (mine.length === 0) {
        throw new Error(`run ${runId} stored no scores over the rows of this version or its ancestors (it used ${run.datasets.map((x) => x.id.slice(0, 8)).join(', ') || 'no recorded version'})`)
      }
      const traced = mine.filter((s) => s.traced)
      const all = await Promise.all(traced.map((s) => this.api.call('runs.scores', { id: runId, split: s.split })))
      if (this.disposed || seq !== this.overlaySeq) return
      const splits = all.filter((x) => x.starts != null && x.windowLength != null)
      if (splits.length === 0) throw new Error(`run ${runId}'s scores were stored before they were traced to rows: they cannot be drawn over the series`)
      const data = buildOverlay(splits.map((x) => ({ starts: x.starts!, scores: x.scores, windowLength: x.windowLength! })))
      const threshold = run.thresholds.effective
      this.overlay = {
        runId,
        threshold,
        data,
        flags: threshold == null ? { start: new Int32Array(0), end: new Int32Array(0) } : flaggedSpans(data, threshold),
        splits: splits.map((x) => ({ split: x.split, count: x.count })),
        untraced: mine.length - splits.length
      }
    } catch (e) {
      if (this.disposed || seq !== this.overlaySeq) return
      this.overlay = null
      this.overlayError = errorMessage(e)
    } finally {
      if (!this.disposed && seq === this.overlaySeq) this.overlayLoading = false
    }
  }

  // ---- label edits --------------------------------------------------------------------------

  setSelection(r: RowRange | null): void {
    this.selection = r
  }

  /** Turns the brushed range into a pending edit: anomalous (of `editType`) or normal. */
  mark(label: 0 | 1): void {
    const sel = this.selection
    if (!sel) return
    const type = this.editType.trim()
    this.edits = addEdit(this.edits, { start: sel.from, end: sel.to, label, ...(label === 1 && type ? { type } : {}) }, this.nextEditKey++)
    this.selection = null
    this.saveInfo = null
  }

  undo(): void {
    if (this.edits.length === 0) return
    this.edits = undoEdit(this.edits)
  }

  removeEdit(key: number): void {
    this.edits = removeEdit(this.edits, key)
  }

  clearEdits(): void {
    this.edits = []
  }

  /** Stores the pending edits as a child version; the hook navigates to it. */
  async save(): Promise<void> {
    const d = this.detail
    if (!d || this.edits.length === 0 || this.saving) return
    this.saving = true
    this.saveError = null
    this.saveInfo = null
    try {
      const note = this.note.trim()
      const r = await this.api.call('datasets.saveLabels', { id: d.id, edits: toApiEdits(this.edits), ...(note ? { note } : {}) })
      if (this.disposed) return
      const saved: SavedLabels = { fromId: d.id, toId: r.id, created: r.created, oldLabelCount: d.labelCount, editCount: this.edits.length }
      if (r.id === d.id) {
        this.saveInfo = 'The edits change no label: nothing new was stored.'
        this.edits = []
        return
      }
      this.edits = []
      this.note = ''
      this.hooks.onSaved?.(saved)
    } catch (e) {
      if (!this.disposed) this.saveError = errorMessage(e)
    } finally {
      if (!this.disposed) this.saving = false
    }
  }

  // ---- export -------------------------------------------------------------------------------

  async exportCsv(): Promise<void> {
    const d = this.detail
    const path = this.exportPath.trim()
    if (!d || !path || this.exporting) return
    this.exporting = true
    this.exportError = null
    this.exportResult = null
    this.exportGrant.dismiss()
    try {
      const r = await this.api.call('datasets.export', { id: d.id, path })
      if (!this.disposed) this.exportResult = r
    } catch (e) {
      if (!this.disposed) {
        this.exportError = errorMessage(e)
        this.exportGrant.offer(e, () => parentFolder(path))
      }
    } finally {
      if (!this.disposed) this.exporting = false
    }
  }

  dispose(): void {
    this.disposed = true
    if (this.fetchTimer) clearTimeout(this.fetchTimer)
    if (this.reloadTimer) clearTimeout(this.reloadTimer)
    for (const u of this.unsubs) u()
  }
}

/** A dataset name as a file name. @example safeName('helios detection/v2') // "helios-detection-v2" */
function safeName(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '') || 'dataset'
}

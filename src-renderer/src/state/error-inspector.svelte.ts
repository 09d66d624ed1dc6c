import type { ErrorItem, ErrorKind, ErrorList, ErrorSort, Explanation, RunWindow, ScoreSplit } from '../../../src-main/contract/api'
import type { WorkbenchClient } from '../api/client'
import { errorMessage } from '../api/types'
import { ERRORS_PAGE_MAX } from '../../../src-main/contract/analysis'
import { errorColumns, groupByEpisode, relabelEdit, windowItem, type ErrorGroup, type Relabel } from '../lib/error-inspector'
import { fetchAllPages, toCsv } from '../lib/table'

/** Errors per page of the list. */
export const ERRORS_PAGE = 50
/** Rows of context either side of a window, in window lengths. */
const CONTEXT_WINDOWS = 2
/** ...but at least this many rows (a per-row model's window is one row). */
const MIN_CONTEXT_ROWS = 60
/** How long the studio's threshold must rest before the list is fetched again for it. */
const REFETCH_DEBOUNCE_MS = 200

/**
 * A window opened by itself, from a link (`#/runs/12?split=test&window=345`, e.g. the compare
 * page's): shown whether or not it is an error at the threshold.
 */
export interface PinnedWindow {
  split: ScoreSplit
  /** Position among the split's stored scores. */
  index: number
  /** Windows the split stored (j / k stay within them). */
  count: number
  /** Rows per window, when known (sizes the context either side before the first window arrives). */
  windowLength?: number | null
}

/** A label edit stored from the inspector: the child version it made. */
export interface RelabelResult {
  /** The version the edit was applied to, and the child it made. */
  fromId: string
  toId: string
  /** False when the edit changed no label (no new version). */
  created: boolean
  rows: { from: number; to: number }
  what: string
}

/**
 * The false-negative inspector of one run (issue 10 part 3): a page of the test split's missed
 * windows (`fn`) or false alarms (`fp`) at the studio's threshold (`runs.errors`), grouped by
 * labelled episode, and the selected window's raw rows (`runs.window`) and reasons
 * (`runs.explain`, computed in an inference worker: it can take a moment, so it loads apart).
 *
 * Single-window mode (`pinned`): one window of any stored split, opened from a link, with the same
 * detail (rows, score against the threshold, reasons) whether or not it is an error; j / k step
 * to the neighbouring windows, choosing FN or FP goes to the lists.
 *
 * Relabelling goes through `datasets.saveLabels`. Successive relabels build on each other: the
 * first applies to the run's dataset version, each later one to the child the previous one made,
 * so a session of relabels ends in one version holding all of them (rows are the same in every
 * version of the lineage, so the run's windows still point at the right rows).
 */
export class ErrorInspector {
  kind = $state<ErrorKind>('fn')
  sort = $state<ErrorSort>('margin')
  order = $state<'asc' | 'desc'>('asc')
  offset = $state(0)
  /** The threshold the list is for. */
  threshold = $state<number>(NaN)

  list = $state.raw<ErrorList | null>(null)
  loading = $state(false)
  error = $state<string | null>(null)

  /** The window opened by itself (single-window mode); null while the lists show. */
  pinned = $state.raw<PinnedWindow | null>(null)

  /** Position of the selected item in `ordered` (the list as shown: grouped by episode). */
  selected = $state<number | null>(null)
  window = $state.raw<RunWindow | null>(null)
  windowLoading = $state(false)
  windowError = $state<string | null>(null)
  explanation = $state.raw<Explanation | null>(null)
  explainLoading = $state(false)
  explainError = $state<string | null>(null)

  relabelling = $state(false)
  relabelError = $state<string | null>(null)
  /** Relabels made in this session, newest last. */
  relabels = $state.raw<RelabelResult[]>([])

  private listSeq = 0
  private detailSeq = 0
  private refetchTimer: ReturnType<typeof setTimeout> | null = null
  /** Select this position once the page being fetched arrives (paging with j / k across pages). */
  private selectAfterLoad: 'first' | 'last' | null = null
  private disposed = false

  constructor(
    private readonly api: WorkbenchClient,
    readonly runId: number,
    kind: ErrorKind,
    threshold: number,
    pin: PinnedWindow | null = null
  ) {
    this.kind = kind
    this.threshold = threshold
    if (pin) this.pin(pin)
    else void this.load()
  }

  /** The page's items grouped by episode (FP: one group without an episode). */
  readonly groups: ErrorGroup[] = $derived(this.list ? groupByEpisode(this.list.items, this.list.episodes) : [])
  /** The page's items in the order shown (group by group). */
  readonly ordered: ErrorItem[] = $derived(this.groups.flatMap((g) => g.items))
  /** The pinned window as an item, once its rows are in (its score and label come with them). */
  readonly pinnedItem: ErrorItem | null = $derived.by(() => {
    const p = this.pinned
    const w = this.window
    return p && w && w.split === p.split && w.index === p.index ? windowItem(w, this.threshold) : null
  })

  /** The split whose windows show: the pinned window's, else test (the lists are the test split's). */
  get split(): ScoreSplit {
    return this.pinned?.split ?? 'test'
  }

  get item(): ErrorItem | null {
    if (this.pinned) return this.pinnedItem
    const i = this.selected
    return i == null ? null : (this.ordered[i] ?? null)
  }

  get pages(): number {
    return this.list ? Math.max(1, Math.ceil(this.list.total / ERRORS_PAGE)) : 1
  }

  /** The version relabels apply to now: the last child made here, else the run's version. */
  get labelBase(): string | null {
    return this.relabels[this.relabels.length - 1]?.toId ?? this.list?.datasetId ?? this.window?.datasetId ?? null
  }

  exporting = $state(false)
  /** Errors fetched so far by the export in progress. */
  exported = $state(0)
  exportError = $state<string | null>(null)

  /**
   * Every error of the list (all pages, in its order, at its threshold) as CSV, fetched
   * `ERRORS_PAGE_MAX` at a time; null when it failed (`exportError` says why).
   */
  async exportCsv(): Promise<{ csv: string; rows: number } | null> {
    const { runId, kind, threshold, sort, order } = this
    this.exporting = true
    this.exported = 0
    this.exportError = null
    try {
      const items = await fetchAllPages(
        async (offset, limit) => {
          const page = await this.api.call('runs.errors', { id: runId, split: 'test', kind, threshold, sort, order, offset, limit })
          return { rows: page.items, total: page.total }
        },
        ERRORS_PAGE_MAX,
        (done) => (this.exported = done)
      )
      return { csv: toCsv(errorColumns(), items), rows: items.length }
    } catch (e) {
      this.exportError = errorMessage(e)
      return null
    } finally {
      this.exporting = false
    }
  }

  /** Loads the list page (or, in single-window mode, the pinned window again). */
  async load(): Promise<void> {
    if (this.pinned) return this.loadDetail(this.pinned.index)
    const seq = ++this.listSeq
    this.loading = true
    try {
      const list = await this.api.call('runs.errors', {
        id: this.runId,
        split: 'test',
        kind: this.kind,
        threshold: this.threshold,
        sort: this.sort,
        order: this.order,
        offset: this.offset,
        limit: ERRORS_PAGE
      })
      if (this.disposed || seq !== this.listSeq) return
      const keep = this.item?.index
      this.list = list
      this.error = null
      const ordered = this.ordered
      // Keep the selected window when it is still on the page (a threshold move, a re-sort).
      const again = keep == null ? -1 : ordered.findIndex((x) => x.index === keep)
      const after = this.selectAfterLoad
      this.selectAfterLoad = null
      if (again >= 0) this.selected = again
      else if (after && ordered.length) this.select(after === 'first' ? 0 : ordered.length - 1)
      else if (ordered.length) this.select(0)
      else this.clearSelection()
    } catch (e) {
      if (this.disposed || seq !== this.listSeq) return
      this.error = errorMessage(e)
    } finally {
      if (!this.disposed && seq === this.listSeq) this.loading = false
    }
  }

  /** Shows the missed windows (fn) or false alarms (fp); from single-window mode, goes to that list. */
  setKind(kind: ErrorKind): void {
    if (kind === this.kind && !this.pinned) return
    this.pinned = null
    this.kind = kind
    this.offset = 0
    this.clearSelection()
    void this.load()
  }

  /** Sorts by `sort`; choosing the current key again flips the order. */
  setSort(sort: ErrorSort): void {
    if (sort === this.sort) this.order = this.order === 'asc' ? 'desc' : 'asc'
    else {
      this.sort = sort
      this.order = 'asc'
    }
    this.offset = 0
    void this.load()
  }

  setOffset(offset: number): void {
    const max = this.list ? Math.max(0, (this.pages - 1) * ERRORS_PAGE) : 0
    const next = Math.max(0, Math.min(max, offset))
    if (next === this.offset) return
    this.offset = next
    void this.load()
  }

  /** The studio's threshold moved: list the errors at the new one once it rests. */
  followThreshold(t: number): void {
    if (t === this.threshold || !Number.isFinite(t)) return
    this.threshold = t
    // A pinned window stays; its verdict follows `threshold` (pinnedItem is derived).
    if (this.pinned) return
    if (this.refetchTimer) clearTimeout(this.refetchTimer)
    this.refetchTimer = setTimeout(() => {
      this.refetchTimer = null
      this.offset = 0
      void this.load()
    }, REFETCH_DEBOUNCE_MS)
  }

  /** Selects the item at position `i` of `ordered` and loads its rows and reasons. */
  select(i: number): void {
    const item = this.ordered[i]
    if (!item) return
    this.selected = i
    this.relabelError = null
    void this.loadDetail(item.index)
  }

  /**
   * Opens one window by itself (single-window mode), whatever it is at the threshold: its rows and
   * reasons load as an error's do.
   */
  pin(p: PinnedWindow): void {
    if (this.pinned && this.pinned.split === p.split && this.pinned.index === p.index && this.window) return
    ++this.listSeq
    this.pinned = p
    this.list = null
    this.loading = false
    this.error = null
    this.clearSelection()
    this.relabelError = null
    void this.loadDetail(p.index)
  }

  /** Next (+1) or previous (-1) error, crossing pages; in single-window mode, the neighbouring window. */
  move(delta: 1 | -1): void {
    const p = this.pinned
    if (p) {
      const next = p.index + delta
      if (next >= 0 && next < p.count) this.pin({ ...p, index: next })
      return
    }
    const n = this.ordered.length
    const i = this.selected ?? -1
    const next = i + delta
    if (next >= 0 && next < n) return this.select(next)
    if (!this.list || this.loading) return
    if (delta > 0 && this.offset + ERRORS_PAGE < this.list.total) {
      this.selectAfterLoad = 'first'
      this.setOffset(this.offset + ERRORS_PAGE)
    } else if (delta < 0 && this.offset > 0) {
      this.selectAfterLoad = 'last'
      this.setOffset(this.offset - ERRORS_PAGE)
    }
  }

  private clearSelection(): void {
    this.selected = null
    this.window = null
    this.explanation = null
    this.windowError = null
    this.explainError = null
  }

  private async loadDetail(index: number): Promise<void> {
    const seq = ++this.detailSeq
    const split = this.split
    const length = this.list?.windowLength ?? this.window?.windowLength ?? this.pinned?.windowLength ?? 1
    const context = Math.max(MIN_CONTEXT_ROWS, CONTEXT_WINDOWS * length)
    this.windowLoading = true
    this.explainLoading = true
    this.windowError = null
    this.explainError = null
    // The rows come fast from the store; the reasons need the model in a worker: load apart.
    const rows = this.api.call('runs.window', { id: this.runId, split, index, context }).then(
      (w) => {
        if (this.disposed || seq !== this.detailSeq) return
        this.window = w
      },
      (e) => {
        if (this.disposed || seq !== this.detailSeq) return
        this.window = null
        this.windowError = errorMessage(e)
      }
    )
    const why = this.api.call('runs.explain', { id: this.runId, split, index }).then(
      (x) => {
        if (this.disposed || seq !== this.detailSeq) return
        this.explanation = x
      },
      (e) => {
        if (this.disposed || seq !== this.detailSeq) return
        this.explanation = null
        this.explainError = errorMessage(e)
      }
    )
    await rows
    if (!this.disposed && seq === this.detailSeq) this.windowLoading = false
    await why
    if (!this.disposed && seq === this.detailSeq) this.explainLoading = false
  }

  /** Relabels the selected window's rows (normal, or anomalous of `type`) as a child version. */
  async relabel(r: Relabel): Promise<void> {
    const item = this.item
    const base = this.labelBase
    if (!item || !base || this.relabelling) return
    this.relabelling = true
    this.relabelError = null
    try {
      const { edit, what } = relabelEdit(item, r)
      const how = this.pinned ? 'opened by itself' : this.kind === 'fn' ? 'missed' : 'false alarm'
      const note = `Relabelled from run ${this.runId}'s error inspector: ${this.split} window ${item.index} (${how}), ${what}.`
      const out = await this.api.call('datasets.saveLabels', { id: base, edits: [edit], note })
      if (this.disposed) return
      this.relabels = [...this.relabels, { fromId: base, toId: out.id, created: out.created && out.id !== base, rows: { from: edit.start, to: edit.end }, what }]
    } catch (e) {
      if (!this.disposed) this.relabelError = errorMessage(e)
    } finally {
      if (!this.disposed) this.relabelling = false
    }
  }

  dispose(): void {
    this.disposed = true
    if (this.refetchTimer) clearTimeout(this.refetchTimer)
  }
}

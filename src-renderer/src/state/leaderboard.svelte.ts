import type { Leaderboard, RankSplit, RunSummary } from '../../../src-main/contract/api'
import type { WorkbenchClient } from '../api/client'
import { errorCode, errorMessage } from '../api/types'
import { columnsStorageKey, defaultColumns, parseStoredColumns, priorityToRunNext } from '../lib/leaderboard'

/** How long a burst of `queue.changed` events is gathered before one re-fetch. */
const REFRESH_DEBOUNCE_MS = 300

/**
 * One experiment's leaderboard page: `queue.leaderboard`, then live. A `queue.changed` for this
 * experiment re-fetches it (debounced; one call in flight at a time, one more after it when
 * events came meanwhile); a `run.changed` for one of its running trials patches that row's
 * progress in place, between re-fetches. It also holds the page's choices: visible columns
 * (remembered per experiment in localStorage) and the row actions (the table's sort, filter and page are the view's `TableView`). `dispose()` when the
 * page goes.
 */
export class LeaderboardPage {
  board = $state.raw<Leaderboard | null>(null)
  loading = $state(true)
  error = $state<string | null>(null)
  notFound = $state(false)
  /** Visible pickable columns (`param:x`, `metric:y`); null until the first answer. */
  columns = $state.raw<string[] | null>(null)
  /** The split the engine ranks on: validation unless the user asks for test (and sees it said). */
  rankBy = $state<RankSplit>('validation')
  /** Trial id → action in flight; and the last action error. */
  busy = $state<Record<number, 'cancel' | 'priority'>>({})
  actionError = $state<string | null>(null)

  private readonly unsubs: (() => void)[] = []
  private disposed = false
  private timer: ReturnType<typeof setTimeout> | null = null
  private inFlight = false
  private again = false

  constructor(
    private readonly api: WorkbenchClient,
    readonly experimentId: number,
    private readonly storage: Storage | null = safeLocalStorage()
  ) {
    this.unsubs.push(
      api.on('queue.changed', ({ experimentId: id }) => {
        if (id === this.experimentId) this.scheduleRefresh()
      }),
      api.on('run.changed', (run) => this.onRun(run)),
      api.onReconnected(() => void this.load())
    )
    void this.load()
  }

  /** Ranks on `split` (re-fetched: ranks come from the engine). */
  setRankBy(split: RankSplit): void {
    if (split === this.rankBy) return
    this.rankBy = split
    void this.load()
  }

  async load(): Promise<void> {
    if (this.inFlight) {
      this.again = true
      return
    }
    this.inFlight = true
    this.loading = this.board === null
    try {
      const board = await this.api.call('queue.leaderboard', { experimentId: this.experimentId, rankBy: this.rankBy })
      if (this.disposed) return
      this.board = board
      this.error = null
      this.notFound = false
      if (this.columns === null) {
        this.columns =
          parseStoredColumns(this.read()) ?? defaultColumns(board.searchedParams, board.experiment.objective.metric)
      }
    } catch (e) {
      if (this.disposed) return
      if (errorCode(e) === 'not_found') this.notFound = true
      else this.error = errorMessage(e)
    } finally {
      this.inFlight = false
      if (!this.disposed) {
        this.loading = false
        if (this.again) {
          this.again = false
          void this.load()
        }
      }
    }
  }

  /** Shows or hides a column and remembers the choice for this experiment. */
  toggleColumn(key: string, visible: boolean): void {
    const current = this.columns ?? []
    const next = visible ? (current.includes(key) ? current : [...current, key]) : current.filter((k) => k !== key)
    this.setColumns(next)
  }

  setColumns(keys: string[]): void {
    this.columns = keys
    try {
      this.storage?.setItem(columnsStorageKey(this.experimentId), JSON.stringify(keys))
    } catch {
      /* storage full or disabled: the choice lasts for this page */
    }
  }

  /** Back to the default columns (and forget the stored choice). */
  resetColumns(): void {
    if (!this.board) return
    try {
      this.storage?.removeItem(columnsStorageKey(this.experimentId))
    } catch {
      /* ignore */
    }
    this.columns = defaultColumns(this.board.searchedParams, this.board.experiment.objective.metric)
  }

  async cancelTrial(trialId: number): Promise<void> {
    await this.act(trialId, 'cancel', async () => {
      const { ok } = await this.api.call('queue.cancelTrial', { trialId })
      if (!ok) this.actionError = `Trial ${trialId} could not be cancelled (it may have finished already).`
    })
  }

  /** Moves a queued trial ahead of the experiment's other queued trials. */
  async runNext(trialId: number): Promise<void> {
    const rows = this.board?.rows ?? []
    await this.act(trialId, 'priority', () => this.api.call('queue.setPriority', { trialId, priority: priorityToRunNext(rows) }))
  }

  dispose(): void {
    this.disposed = true
    if (this.timer) clearTimeout(this.timer)
    for (const u of this.unsubs) u()
  }

  private async act(trialId: number, action: 'cancel' | 'priority', call: () => Promise<unknown>): Promise<void> {
    this.busy = { ...this.busy, [trialId]: action }
    this.actionError = null
    try {
      await call()
      this.scheduleRefresh()
    } catch (e) {
      this.actionError = errorMessage(e)
    } finally {
      const { [trialId]: _done, ...rest } = this.busy
      this.busy = rest
    }
  }

  /** Live progress of a running trial, without a round trip. */
  private onRun(run: RunSummary): void {
    const board = this.board
    if (this.disposed || !board || run.experimentId !== this.experimentId || run.status !== 'running') return
    const i = board.rows.findIndex((r) => r.runId === run.id)
    if (i < 0 || board.rows[i]!.status !== 'running') return
    const rows = board.rows.slice()
    rows[i] = { ...rows[i]!, progress: run.progress }
    this.board = { ...board, rows }
  }

  private scheduleRefresh(): void {
    if (this.timer || this.disposed) return
    this.timer = setTimeout(() => {
      this.timer = null
      void this.load()
    }, REFRESH_DEBOUNCE_MS)
  }

  private read(): string | null {
    try {
      return this.storage?.getItem(columnsStorageKey(this.experimentId)) ?? null
    } catch {
      return null
    }
  }
}

function safeLocalStorage(): Storage | null {
  try {
    return window.localStorage
  } catch {
    return null
  }
}

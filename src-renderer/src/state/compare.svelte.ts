import type { CompareResult, RunAnnotation, RunSummary } from '../../../src-main/contract/api'
import type { WorkbenchClient } from '../api/client'
import { errorCode, errorMessage } from '../api/types'
import type { DisagreementTab } from '../lib/compare'

/** Disagreements per page of the list. */
export const DISAGREEMENTS_PAGE = 50

/**
 * The compare page of 2-4 runs: one `runs.compare` answer (runs, params diff, disagreements) and
 * the disagreement list's choices (which tab, which page). Changing the tab or page fetches the
 * comparison again (the host keeps the disagreement table, so it is cheap); an answer older than
 * the latest request is dropped. Live: a compared run that changes status (it finished, or a
 * threshold was saved on it) re-fetches; `run.annotated` patches tags and notes. The page's
 * selected row (keyboard) lives here too. Call `dispose()` when the page goes.
 */
export class ComparePage {
  result = $state.raw<CompareResult | null>(null)
  loading = $state(true)
  /** A page of the list (or a new tab) is on its way; the rest of the page stays. */
  listLoading = $state(false)
  error = $state<string | null>(null)
  notFound = $state<string | null>(null)
  select = $state.raw<DisagreementTab['select']>({ kind: 'all' })
  offset = $state(0)
  /** Position of the focused disagreement on the page (keyboard), or null. */
  cursor = $state<number | null>(null)

  private seq = 0
  private readonly unsubs: (() => void)[] = []
  private disposed = false

  constructor(
    private readonly api: WorkbenchClient,
    readonly ids: readonly number[]
  ) {
    this.unsubs.push(
      api.on('run.changed', (run) => this.onChanged(run)),
      api.on('run.annotated', (a) => this.onAnnotated(a)),
      api.onReconnected(() => void this.load())
    )
    void this.load()
  }

  async load(): Promise<void> {
    const seq = ++this.seq
    this.loading = this.result === null
    this.listLoading = true
    try {
      const result = await this.api.call('runs.compare', {
        ids: [...this.ids],
        disagreements: { ...this.select, offset: this.offset, limit: DISAGREEMENTS_PAGE }
      })
      if (this.disposed || seq !== this.seq) return
      this.result = result
      this.error = null
      this.notFound = null
      if (this.cursor != null && this.cursor >= result.disagreements.rows.length) this.cursor = result.disagreements.rows.length ? 0 : null
    } catch (e) {
      if (this.disposed || seq !== this.seq) return
      if (errorCode(e) === 'not_found') this.notFound = errorMessage(e)
      else this.error = errorMessage(e)
    } finally {
      if (!this.disposed && seq === this.seq) {
        this.loading = false
        this.listLoading = false
      }
    }
  }

  choose(select: DisagreementTab['select']): void {
    this.select = select
    this.offset = 0
    this.cursor = null
    void this.load()
  }

  goTo(offset: number): void {
    const total = this.result?.disagreements.total ?? 0
    this.offset = Math.max(0, Math.min(offset, Math.max(0, Math.floor((total - 1) / DISAGREEMENTS_PAGE) * DISAGREEMENTS_PAGE)))
    this.cursor = null
    void this.load()
  }

  /** Moves the keyboard cursor by `step` rows within the page. */
  move(step: number): void {
    const n = this.result?.disagreements.rows.length ?? 0
    if (n === 0) return
    this.cursor = this.cursor == null ? (step > 0 ? 0 : n - 1) : Math.max(0, Math.min(n - 1, this.cursor + step))
  }

  dispose(): void {
    this.disposed = true
    for (const u of this.unsubs) u()
  }

  private onChanged(run: RunSummary): void {
    const r = this.result?.runs.find((x) => x.id === run.id)
    if (!r || this.disposed) return
    if (r.status !== run.status || run.status === 'done') void this.load()
  }

  private onAnnotated(a: RunAnnotation): void {
    if (!this.result || !this.ids.includes(a.runId)) return
    this.result = { ...this.result, runs: this.result.runs.map((r) => (r.id === a.runId ? { ...r, tags: a.tags, note: a.note } : r)) }
  }
}

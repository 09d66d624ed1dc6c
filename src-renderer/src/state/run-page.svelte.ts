import type { Epoch, RunDetail, RunLog, RunSummary } from '../../../src-main/contract/api'
import type { SplitCounts } from '../lib/run-protocol'
import type { WorkbenchClient } from '../api/client'
import { errorCode, errorMessage } from '../api/types'
import { mergeEpoch } from '../lib/format'

/**
 * One run's page: `runs.get`, then live. A `run.changed` for this id with a new status re-fetches
 * the detail (results appear when it finishes); one with the same status just updates progress
 * and the summary fields. `run.log` appends to the logs. `run.epoch` appends that epoch to
 * `detail.epochs` (no re-fetch), so the curves, the per-epoch confusion matrix and histogram grow
 * live; epochs that arrive while a `runs.get` is in flight are merged into its answer.
 * The epoch scrubber's choice lives here too: `selectedEpoch` (null = follow the latest).
 * Once the run is done, each stored split's confusion matrix at the trained threshold
 * (`runs.threshold`) says which metrics a split leaves undefined (`counts`).
 * Call `dispose()` when the page goes.
 */
export class RunPage {
  detail = $state.raw<RunDetail | null>(null)
  loading = $state(true)
  error = $state<string | null>(null)
  notFound = $state(false)
  cancelling = $state(false)
  cancelError = $state<string | null>(null)
  /** Epoch number the scrubber shows; null follows the latest epoch. */
  selectedEpoch = $state<number | null>(null)
  /** Each stored split's confusion at the trained threshold (null until known; {} when it cannot be). */
  counts = $state.raw<SplitCounts | null>(null)

  /** `run.epoch` payloads received while a `runs.get` is in flight. */
  private pendingEpochs: Epoch[] | null = null
  private readonly unsubs: (() => void)[] = []
  private disposed = false
  private seq = 0

  constructor(
    private readonly api: WorkbenchClient,
    readonly id: number
  ) {
    this.unsubs.push(
      api.on('run.changed', (run) => this.onChanged(run)),
      api.on('run.log', (log) => this.onLog(log)),
      api.on('run.epoch', ({ runId, epoch }) => this.onEpoch(runId, epoch)),
      api.onReconnected(() => void this.load())
    )
    void this.load()
  }

  async load(): Promise<void> {
    const seq = ++this.seq
    this.loading = this.detail === null
    this.pendingEpochs = []
    try {
      const fetched = await this.api.call('runs.get', { id: this.id })
      if (this.disposed || seq !== this.seq) return
      let epochs = fetched.epochs
      for (const e of this.pendingEpochs ?? []) epochs = mergeEpoch(epochs, e)
      const detail = epochs === fetched.epochs ? fetched : { ...fetched, epochs }
      this.detail = detail
      this.error = null
      this.notFound = false
      if (detail.status === 'done' && this.counts === null) void this.loadCounts(detail)
    } catch (e) {
      if (this.disposed || seq !== this.seq) return
      if (errorCode(e) === 'not_found') this.notFound = true
      else this.error = errorMessage(e)
    } finally {
      if (!this.disposed && seq === this.seq) {
        this.loading = false
        this.pendingEpochs = null
      }
    }
  }

  /**
   * The stored splits' counts at the trained threshold (the threshold the run's metrics are at).
   * Without them the metrics show as stored; a failure here only loses the "n/a" marks.
   */
  private async loadCounts(detail: RunDetail): Promise<void> {
    const trained = detail.thresholds.trained
    this.counts = {}
    if (trained == null || detail.scoreSplits.length === 0) return
    try {
      const r = await this.api.call('runs.threshold', { id: this.id, threshold: trained })
      if (this.disposed) return
      this.counts = Object.fromEntries(r.splits.map((s) => [s.split, s.metrics.confusion]))
    } catch {
      // The metrics stand as stored; only their "undefined here" marks are missing.
    }
  }

  /** The epoch the scrubber shows: the selected one, else the latest. */
  get shownEpoch(): Epoch | null {
    const epochs = this.detail?.epochs ?? []
    if (this.selectedEpoch != null) {
      const e = epochs.find((x) => x.epoch === this.selectedEpoch)
      if (e) return e
    }
    return epochs[epochs.length - 1] ?? null
  }

  /** Shows epoch number `epoch`; choosing the latest one follows new epochs again. */
  selectEpoch(epoch: number | null): void {
    const epochs = this.detail?.epochs ?? []
    const last = epochs[epochs.length - 1]
    this.selectedEpoch = epoch == null || (last && epoch >= last.epoch) ? null : epoch
  }

  async cancel(): Promise<void> {
    this.cancelling = true
    this.cancelError = null
    try {
      const { cancelled } = await this.api.call('runs.cancel', { id: this.id })
      if (!cancelled) this.cancelError = 'The run could not be cancelled (it may have finished already).'
      void this.load()
    } catch (e) {
      this.cancelError = errorMessage(e)
    } finally {
      this.cancelling = false
    }
  }

  dispose(): void {
    this.disposed = true
    for (const u of this.unsubs) u()
  }

  private onChanged(run: RunSummary): void {
    if (run.id !== this.id || this.disposed) return
    const current = this.detail
    if (!current || current.status !== run.status) {
      // Show the new status at once, then fetch the full detail for it.
      if (current) this.detail = { ...current, ...run }
      void this.load()
      return
    }
    // The worker names its backend once it has started, after the run turned `running`: while the
    // page has none, re-read the detail when the stage moves on (not on every progress tick).
    const backendDue = run.status === 'running' && current.backend == null && run.progress?.stage !== current.progress?.stage
    this.detail = { ...current, ...run }
    if (backendDue) void this.load()
  }

  private onEpoch(runId: number, epoch: Epoch): void {
    if (runId !== this.id || this.disposed) return
    this.pendingEpochs?.push(epoch)
    if (!this.detail) return
    this.detail = { ...this.detail, epochs: mergeEpoch(this.detail.epochs, epoch) }
  }

  private onLog(log: RunLog): void {
    if (log.runId !== this.id || !this.detail) return
    this.detail = { ...this.detail, logs: [...this.detail.logs, log] }
  }
}

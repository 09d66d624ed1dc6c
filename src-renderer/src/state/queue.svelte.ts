import type { QueuedExperiment } from '../../../src-main/contract/api'
import { Refreshing } from './refreshing.svelte'
import type { WorkbenchClient } from '../api/client'
import { errorMessage } from '../api/types'

/** How long a burst of `queue.changed` events is gathered before one re-fetch. */
const REFRESH_DEBOUNCE_MS = 250

export type QueueAction = 'pause' | 'resume' | 'cancel' | 'retry' | 'priority'

/**
 * The trial queue: `queue.list`, kept live by `queue.changed` (bursts coalesced into one call,
 * and a call in flight followed by one more when events came meanwhile), re-fetched after a
 * reconnect. Controls (pause, resume, cancel, retry, priority) call the API and let the event
 * bring the new state; their errors are kept per experiment.
 */
export class QueueStore extends Refreshing {
  experiments = $state.raw<QueuedExperiment[]>([])
  /** Experiment id → the control being applied to it. */
  busy = $state<Record<number, QueueAction>>({})
  /** Experiment id → the last control error. */
  actionErrors = $state<Record<number, string>>({})

  private timer: ReturnType<typeof setTimeout> | null = null

  constructor(private readonly api: WorkbenchClient) {
    super()
    api.on('queue.changed', () => {
      if (this.loaded || this.loading) this.scheduleRefresh()
    })
    api.onReconnected(() => {
      if (this.loaded) void this.refresh()
    })
  }

  protected async load(): Promise<void> {
    const list = await this.api.call('queue.list', {})
    // Active first, then by priority, newest first.
    this.experiments = [...list].sort(
      (a, b) => rank(a.status) - rank(b.status) || b.priority - a.priority || Date.parse(b.createdAt) - Date.parse(a.createdAt) || b.id - a.id
    )
  }

  ensureLoaded(): void {
    if (!this.loaded && !this.loading) void this.refresh()
  }

  byId(id: number): QueuedExperiment | undefined {
    return this.experiments.find((e) => e.id === id)
  }

  pause(id: number): Promise<void> {
    return this.act(id, 'pause', () => this.api.call('queue.pause', { experimentId: id }))
  }

  resume(id: number): Promise<void> {
    return this.act(id, 'resume', () => this.api.call('queue.resume', { experimentId: id }))
  }

  cancel(id: number): Promise<void> {
    return this.act(id, 'cancel', () => this.api.call('queue.cancelExperiment', { experimentId: id }))
  }

  /** Failed trials back to the queue; with `includeCancelled`, cancelled and skipped ones too. */
  retry(id: number, includeCancelled = false): Promise<void> {
    return this.act(id, 'retry', () => this.api.call('queue.retry', { experimentId: id, includeCancelled }))
  }

  setPriority(id: number, priority: number): Promise<void> {
    return this.act(id, 'priority', () => this.api.call('queue.setPriority', { experimentId: id, priority }))
  }

  private async act(id: number, action: QueueAction, call: () => Promise<unknown>): Promise<void> {
    this.busy = { ...this.busy, [id]: action }
    const { [id]: _old, ...rest } = this.actionErrors
    this.actionErrors = rest
    try {
      await call()
      this.scheduleRefresh()
    } catch (e) {
      this.actionErrors = { ...this.actionErrors, [id]: errorMessage(e) }
    } finally {
      const { [id]: _done, ...others } = this.busy
      this.busy = others
    }
  }

  private scheduleRefresh(): void {
    if (this.timer) return
    this.timer = setTimeout(() => {
      this.timer = null
      void this.refresh()
    }, REFRESH_DEBOUNCE_MS)
  }
}

function rank(status: QueuedExperiment['status']): number {
  return status === 'active' ? 0 : status === 'paused' ? 1 : 2
}

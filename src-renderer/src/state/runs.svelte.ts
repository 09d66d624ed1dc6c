import type { RunSummary } from '../../../src-main/contract/api'
import type { WorkbenchClient } from '../api/client'
import { errorMessage } from '../api/types'
import { compareRunsNewestFirst, upsertRun } from '../lib/format'

/**
 * The runs list: loaded with `runs.list`, kept live by `run.changed` (upsert by id, newest
 * first), re-fetched after a reconnect. The list is `$state.raw`: replaced, never mutated.
 */
export class RunsStore {
  runs = $state.raw<RunSummary[]>([])
  loading = $state(false)
  loaded = $state(false)
  error = $state<string | null>(null)

  /** Events that arrive while a `runs.list` is in flight, re-applied on top of its answer. */
  private buffered: RunSummary[] | null = null

  constructor(private readonly api: WorkbenchClient) {
    api.on('run.changed', (run) => this.apply(run))
    api.onReconnected(() => void this.refresh())
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

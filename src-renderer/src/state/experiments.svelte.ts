import type { ExperimentFile } from '../../../src-main/contract/api'
import type { WorkbenchClient } from '../api/client'
import { errorMessage } from '../api/types'
import { Refreshing } from './refreshing.svelte'

/**
 * Experiment spec files: `experiments.list`, re-fetched on `experiments.changed` and reconnect.
 * A single-trial spec starts a run (`runs.start`); a search is queued (`experiments.queue`).
 */
export class ExperimentsStore extends Refreshing {
  files = $state.raw<ExperimentFile[]>([])
  /** File being started or queued, and the last start / queue error per file. */
  starting = $state<string | null>(null)
  startErrors = $state<Record<string, string>>({})

  constructor(private readonly api: WorkbenchClient) {
    super()
    api.on('experiments.changed', () => void this.refresh())
    api.onReconnected(() => {
      if (this.loaded) void this.refresh()
    })
  }

  protected async load(): Promise<void> {
    this.files = await this.api.call('experiments.list', {})
  }

  ensureLoaded(): void {
    if (!this.loaded && !this.loading) void this.refresh()
  }

  /** Start a run from a spec file; resolves to the new run id, or null (error kept per file). */
  async start(file: string): Promise<number | null> {
    this.starting = file
    const { [file]: _old, ...rest } = this.startErrors
    this.startErrors = rest
    try {
      const { runId } = await this.api.call('runs.start', { file })
      return runId
    } catch (e) {
      this.startErrors = { ...this.startErrors, [file]: errorMessage(e) }
      return null
    } finally {
      this.starting = null
    }
  }

  /** Queue a spec's whole search; resolves to the experiment id, or null (error kept per file). */
  async queue(file: string): Promise<number | null> {
    this.starting = file
    const { [file]: _old, ...rest } = this.startErrors
    this.startErrors = rest
    try {
      const { experimentId } = await this.api.call('experiments.queue', { file })
      return experimentId
    } catch (e) {
      this.startErrors = { ...this.startErrors, [file]: errorMessage(e) }
      return null
    } finally {
      this.starting = null
    }
  }
}

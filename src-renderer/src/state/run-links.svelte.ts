import type { RunLinks } from '../../../src-main/contract/api'
import type { WorkbenchClient } from '../api/client'
import { errorMessage } from '../api/types'

/**
 * What a run page's header links to (`runs.links`: experiment, trial number, dataset versions,
 * bundles) and the run's tags and note, which it edits (`runs.annotate`). Live: `run.annotated`
 * for this run patches the tags and note; `bundles.changed` re-fetches (an export from this
 * page, or one arriving in the shared folder). Call `dispose()` when the page goes.
 */
export class RunLinksState {
  links = $state.raw<RunLinks | null>(null)
  error = $state<string | null>(null)

  private readonly unsubs: (() => void)[] = []
  private disposed = false
  private seq = 0

  constructor(
    private readonly api: WorkbenchClient,
    readonly runId: number
  ) {
    this.unsubs.push(
      api.on('run.annotated', (a) => {
        if (a.runId === this.runId && this.links) this.links = { ...this.links, tags: a.tags, note: a.note }
      }),
      api.on('bundles.changed', () => void this.load()),
      api.onReconnected(() => void this.load())
    )
    void this.load()
  }

  async load(): Promise<void> {
    const seq = ++this.seq
    try {
      const links = await this.api.call('runs.links', { id: this.runId })
      if (this.disposed || seq !== this.seq) return
      this.links = links
      this.error = null
    } catch (e) {
      if (!this.disposed && seq === this.seq) this.error = errorMessage(e)
    }
  }

  /** Saves the tags and note; throws the API's error for the editor to show. */
  async annotate(a: { tags: string[]; note: string | null }): Promise<void> {
    const out = await this.api.call('runs.annotate', { id: this.runId, tags: a.tags, note: a.note })
    if (this.links) this.links = { ...this.links, tags: out.tags, note: out.note }
  }

  dispose(): void {
    this.disposed = true
    for (const u of this.unsubs) u()
  }
}

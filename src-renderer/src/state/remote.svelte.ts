import type { RedisCheckResult, RemoteStatus } from '../../../src-main/contract/api'
import { Refreshing } from './refreshing.svelte'
import type { WorkbenchClient } from '../api/client'
import { errorMessage } from '../api/types'

/**
 * Remote runners: the host's connection to Redis and the agents serving it (`remote.status`),
 * kept live by `remote.changed`. Connect checks the URL first and says what is wrong (unreachable,
 * auth failed, a Redis too old); pausing an agent stops sending it work.
 */
export class RemoteStore extends Refreshing {
  status = $state.raw<RemoteStatus | null>(null)
  /** The last Connect's check: what the server said. */
  check = $state.raw<RedisCheckResult | null>(null)
  busy = $state<'connect' | 'disconnect' | null>(null)
  /** Agent name → a pause or resume in flight. */
  pausing = $state<Record<string, boolean>>({})
  actionError = $state<string | null>(null)

  constructor(private readonly api: WorkbenchClient) {
    super()
    api.on('remote.changed', (s) => (this.status = s))
    api.onReconnected(() => {
      if (this.loaded) void this.refresh()
    })
  }

  protected async load(): Promise<void> {
    this.status = await this.api.call('remote.status', {})
  }

  ensureLoaded(): void {
    if (!this.loaded && !this.loading) void this.refresh()
  }

  async connect(url: string, localSlots: number): Promise<void> {
    await this.run('connect', async () => {
      const r = await this.api.call('remote.connect', { url, localSlots })
      this.check = r.check
      this.status = r.status
    })
  }

  async disconnect(): Promise<void> {
    await this.run('disconnect', async () => {
      this.status = await this.api.call('remote.disconnect', {})
      this.check = null
    })
  }

  async setPaused(name: string, paused: boolean): Promise<void> {
    this.pausing = { ...this.pausing, [name]: true }
    this.actionError = null
    try {
      this.status = await this.api.call('remote.pauseAgent', { name, paused })
    } catch (e) {
      this.actionError = errorMessage(e)
    } finally {
      const { [name]: _done, ...rest } = this.pausing
      this.pausing = rest
    }
  }

  private async run(what: 'connect' | 'disconnect', fn: () => Promise<void>): Promise<void> {
    this.busy = what
    this.actionError = null
    try {
      await fn()
    } catch (e) {
      this.actionError = errorMessage(e)
    } finally {
      this.busy = null
    }
  }
}

import { errorMessage } from '../api/types'

/**
 * A store that re-fetches its data on demand, with refreshes coalesced: a call while one is in
 * flight turns into exactly one more call after it (events often come in bursts). Subclasses
 * implement `load()`; `loading`, `loaded` and `error` are theirs to show.
 *
 * @example
 * class Things extends Refreshing {
 *   items = $state.raw<Thing[]>([])
 *   protected async load() { this.items = await api.call('things.list', {}) }
 * }
 */
export abstract class Refreshing {
  loading = $state(false)
  loaded = $state(false)
  error = $state<string | null>(null)
  private inFlight = false
  private again = false

  protected abstract load(): Promise<void>

  async refresh(): Promise<void> {
    if (this.inFlight) {
      this.again = true
      return
    }
    this.inFlight = true
    this.loading = true
    try {
      await this.load()
      this.error = null
      this.loaded = true
    } catch (e) {
      this.error = errorMessage(e)
    } finally {
      this.loading = false
      this.inFlight = false
      if (this.again) {
        this.again = false
        void this.refresh()
      }
    }
  }
}

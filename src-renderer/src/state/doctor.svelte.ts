import type { DoctorReport } from '../../../src-main/contract/api'
import type { WorkbenchClient } from '../api/client'
import { errorMessage } from '../api/types'

/**
 * `doctor.report` (tfjs backend and why better rungs were skipped, ONNX Runtime, SQLite…),
 * fetched once at start: the host probes native modules for it, which can take a second.
 * Fetched again only if the first try failed and the connection came back.
 */
export class DoctorStore {
  report = $state.raw<DoctorReport | null>(null)
  loading = $state(false)
  error = $state<string | null>(null)

  constructor(private readonly api: WorkbenchClient) {
    api.onReconnected(() => {
      if (!this.report) void this.load()
    })
    void this.load()
  }

  async load(): Promise<void> {
    if (this.loading) return
    this.loading = true
    try {
      this.report = await this.api.call('doctor.report', {})
      this.error = null
    } catch (e) {
      this.error = errorMessage(e)
    } finally {
      this.loading = false
    }
  }

  /** The tfjs rungs above the chosen one that are unavailable, with the reason. */
  get skipped(): { name: string; reason: string }[] {
    const r = this.report
    if (!r) return []
    return r.tfjs.candidates.filter((c) => !c.available && c.name !== r.tfjs.backend).map((c) => ({ name: c.name, reason: c.reason }))
  }
}

import type { AppInfo } from '../../../src-main/contract/api'
import type { ConnectionStatus, WorkbenchClient } from '../api/client'
import { errorMessage } from '../api/types'

/** Connection state and `app.info` (workspace, version, front door) for the shell. */
export class ConnectionStore {
  status = $state<ConnectionStatus>({ state: 'connecting', transport: 'websocket', detail: null, retryAt: null })
  info = $state.raw<AppInfo | null>(null)
  infoError = $state<string | null>(null)

  constructor(private readonly api: WorkbenchClient) {
    this.status = api.status()
    api.onStatus((s) => (this.status = s))
    api.onReconnected(() => void this.refresh())
    void this.refresh()
  }

  async refresh(): Promise<void> {
    try {
      this.info = await this.api.call('app.info', {})
      this.infoError = null
    } catch (e) {
      this.infoError = errorMessage(e)
    }
  }
}

import type { WorkbenchClient } from '../api/client'
import { errorCode, errorMessage, errorPath } from '../api/types'

/**
 * A typed path the host refused as outside the folders the workbench may use (error code
 * `forbidden`), and the folder whose allowance would let it through. The UI shows that exact
 * folder and calls `allow()` only when the user confirms it (the desktop app then asks again in a
 * native dialog); the caller retries its action after. One per form that takes a path.
 */
export class PathGrant {
  /** The folder to offer, null when nothing was refused. */
  folder = $state<string | null>(null)
  allowing = $state(false)
  error = $state<string | null>(null)

  constructor(private readonly api: WorkbenchClient) {}

  /**
   * After a failed call: when the host refused a path, remembers the folder `folderFor` picks for
   * the refused field (`files.1`, `path`, `sharedDir`...) and returns true; otherwise forgets any
   * earlier offer and returns false.
   */
  offer(e: unknown, folderFor: (field: string | null) => string | null): boolean {
    this.error = null
    this.folder = errorCode(e) === 'forbidden' ? folderFor(errorPath(e)) : null
    return this.folder !== null
  }

  /** Allows the offered folder for this session; true when the host took it. */
  async allow(): Promise<boolean> {
    const folder = this.folder
    if (!folder || this.allowing) return false
    this.allowing = true
    this.error = null
    try {
      await this.api.call('paths.allow', { folder })
      this.folder = null
      return true
    } catch (e) {
      this.error = errorMessage(e)
      return false
    } finally {
      this.allowing = false
    }
  }

  dismiss(): void {
    this.folder = null
    this.error = null
  }
}

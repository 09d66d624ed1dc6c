/**
 * `run.changed` events, throttled per run: a status change goes out at once, progress-only
 * changes at most every `gapMs` (a worker reports progress many times a second; views redraw a
 * few times a second at most), and the last change of a burst is never lost.
 */
import type { RunSummary } from '../contract/api'

/** Minimum gap between two `run.changed` events of one run (status changes always go out). */
const CHANGE_THROTTLE_MS = 200

export class RunChanges {
  private readonly lastSent = new Map<number, { at: number; status: string; timer: NodeJS.Timeout | null }>()
  private closed = false

  constructor(
    /** The run as `run.changed` carries it, read now; null when it does not exist. */
    private readonly read: (id: number) => RunSummary | null,
    private readonly send: (summary: RunSummary) => void,
    private readonly gapMs = CHANGE_THROTTLE_MS
  ) {}

  /** Run `id` changed (status, progress, metrics, threshold, importance). */
  changed(id: number): void {
    if (this.closed) return
    const run = this.read(id)
    if (!run) return
    const state = this.lastSent.get(id)
    const now = Date.now()
    if (!state || state.status !== run.status || now - state.at >= this.gapMs) {
      if (state?.timer) clearTimeout(state.timer)
      this.sent(run)
    } else if (!state.timer) {
      // The summary goes out when the gap is over, read again then: it carries the latest progress.
      state.timer = setTimeout(() => {
        const fresh = this.closed ? null : this.read(id)
        if (fresh) this.sent(fresh)
      }, this.gapMs - (now - state.at))
    }
  }

  close(): void {
    this.closed = true
    for (const s of this.lastSent.values()) if (s.timer) clearTimeout(s.timer)
  }

  private sent(run: RunSummary): void {
    this.lastSent.set(run.id, { at: Date.now(), status: run.status, timer: null })
    this.send(run)
  }
}

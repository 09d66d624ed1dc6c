/**
 * Notifications: the host's events (run.changed, queue.changed through the queue store,
 * bundles.changed through the bundles store) turned into notices by lib/notices.ts, shown as in-app toasts and, while the
 * window is in the background, as desktop notifications (the browser's Notification API, which
 * Electron shows natively; the setting turns them off and is remembered per browser profile).
 */
import type { BundleInfo, QueuedExperiment } from '../../../src-main/contract/api'
import type { WorkbenchClient } from '../api/client'
import { arrivedBundles, finishedSearches, runNotice, type Notice, type RunSeen } from '../lib/notices'
import type { Router } from './router.svelte'

const DESKTOP_KEY = 'workbench.desktopNotifications'
/** A toast goes by itself after this long (a failure stays until dismissed). */
const TOAST_MS = 8000
/** At most this many toasts at once: the oldest give way. */
const MAX_TOASTS = 4

export interface Toast extends Notice {
  id: number
}

function storedDesktop(): boolean {
  try {
    return localStorage.getItem(DESKTOP_KEY) !== 'off'
  } catch {
    return true
  }
}

export class NotificationsStore {
  toasts = $state.raw<Toast[]>([])
  /** Whether notices also go to the desktop while the window is in the background. */
  desktop = $state(storedDesktop())
  /** The browser's answer to showing desktop notifications ('unsupported' without the API). */
  permission = $state<NotificationPermission | 'unsupported'>(typeof Notification === 'undefined' ? 'unsupported' : Notification.permission)

  private nextId = 1
  private readonly runs = new Map<number, RunSeen>()
  private knownBundles: Set<string> | null = null
  private lastQueue: readonly QueuedExperiment[] | null = null

  constructor(
    private readonly api: WorkbenchClient,
    private readonly router: Router
  ) {
    api.on('run.changed', (run) => {
      const notice = runNotice(this.runs.get(run.id), run)
      this.runs.set(run.id, { status: run.status, targetsMet: run.targetsMet })
      if (notice) this.notify(notice)
    })
  }

  /** The queue store's list, each time it is re-read (App feeds it from an $effect). */
  queueRead(now: readonly QueuedExperiment[]): void {
    if (this.lastQueue) for (const n of finishedSearches(this.lastQueue, now)) this.notify(n)
    this.lastQueue = now
  }

  /**
   * The bundles store's list, each time it is read (App feeds it from an $effect; null before the
   * first read). The first read only learns what the shared folder holds, so bundles already there
   * when the page opens make no notice; each later one notices those new since.
   */
  bundlesRead(now: readonly BundleInfo[] | null): void {
    if (!now) return
    if (this.knownBundles) for (const n of arrivedBundles(this.knownBundles, now)) this.notify(n)
    this.knownBundles = new Set(now.filter((b) => b.location === 'shared').map((b) => b.dir))
  }

  notify(notice: Notice): void {
    const toast: Toast = { ...notice, id: this.nextId++ }
    this.toasts = [...this.toasts, toast].slice(-MAX_TOASTS)
    if (notice.tone !== 'bad') setTimeout(() => this.dismiss(toast.id), TOAST_MS)
    void this.toDesktop(toast)
  }

  dismiss(id: number): void {
    this.toasts = this.toasts.filter((t) => t.id !== id)
  }

  /** A toast's click: go to what it is about. */
  open(toast: Toast): void {
    this.dismiss(toast.id)
    this.router.go(toast.route)
  }

  async setDesktop(on: boolean): Promise<void> {
    this.desktop = on
    try {
      localStorage.setItem(DESKTOP_KEY, on ? 'on' : 'off')
    } catch {
      // storage disabled: the setting lasts for this page
    }
    if (on && typeof Notification !== 'undefined' && Notification.permission === 'default') this.permission = await Notification.requestPermission()
  }

  private async toDesktop(toast: Toast): Promise<void> {
    if (!this.desktop || typeof Notification === 'undefined' || document.hasFocus()) return
    // Electron answers the request itself (our page may notify); a browser asks only when the
    // setting is switched on, a click of the user's.
    if (Notification.permission === 'default' && window.workbench) this.permission = await Notification.requestPermission()
    if (Notification.permission !== 'granted') return
    const n = new Notification(toast.title, { body: toast.body, tag: `workbench-${toast.id}` })
    n.onclick = () => {
      window.focus()
      this.open(toast)
    }
  }
}

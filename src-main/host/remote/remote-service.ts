/**
 * The host's remote runners: connects the run manager to a Redis server (remote-trials.ts), says
 * where that stands (`remote.status`, `remote.changed`) and stops sending work to an agent. The
 * URL a person connects in the app is kept in the workspace settings and reconnected when an
 * interactive host opens; a CLI run connects for itself only.
 */
import { EventEmitter } from 'node:events'
import { randomBytes } from 'node:crypto'
import type { Db } from '../../core/store/database'
import { getSetting, setSetting } from '../../core/store/settings-repo'
import { loadDataset } from '../../core/store/datasets-repo'
import { getRun } from '../../core/store/runs-repo'
import { ApiError } from '../../contract/api'
import type { RedisCheckResult, RemoteStatus } from '../../contract/remote'
import type { RunManager } from '../run-manager'
import { checkRedis, redactedUrl } from './connection'
import { RemoteTrials } from './remote-trials'
import { DEFAULT_QUEUE } from './wire'

/** What the workspace remembers of a connection made in the app. */
interface SavedRemote {
  url: string
  localSlots: number
  queue: string
}

const SAVED_KEY = 'remoteRunners'
const WORKSPACE_KEY = 'remoteWorkspaceKey'

/**
 * A remembered URL that does not answer when the host opens is tried again after 1 s, then twice
 * as long each time up to 30 s: a server restarting is found within seconds, one down for the
 * night costs a check every half minute.
 */
const RETRY_FIRST_MS = 1000
const RETRY_MAX_MS = 30_000

/** Statuses after which a result addressed to a run is stale: it was written, or the user ended it. */
const SETTLED = new Set(['done', 'failed', 'cancelled'])

export class RemoteService extends EventEmitter<{ changed: [status: RemoteStatus]; capacity: [] }> {
  private trials: RemoteTrials | null = null
  private localSlots: number
  /** The remembered connection being tried again (restore), with the last check's word. */
  private retrying: { saved: SavedRemote; message: string; retryAt: number; timer: NodeJS.Timeout } | null = null
  private closed = false

  constructor(
    private readonly db: Db,
    private readonly runs: RunManager,
    /** The host's own slots: what runs here without remote runners, and the default beside them. */
    private readonly defaultLocalSlots: number
  ) {
    super()
    this.localSlots = defaultLocalSlots
  }

  /**
   * Reconnects to the URL the app was connected to (an interactive host opening the workspace).
   * A server that does not answer is tried again with backoff until it does, or until the user
   * connects elsewhere or disconnects; meanwhile the status is `reconnecting`, with the last error.
   */
  async restore(): Promise<void> {
    const saved = getSetting<SavedRemote>(this.db, SAVED_KEY)
    if (saved) await this.reconnect(saved, 0)
  }

  private async reconnect(saved: SavedRemote, attempt: number): Promise<void> {
    const { check } = await this.connect({ url: saved.url, localSlots: saved.localSlots, queue: saved.queue, remember: false })
    if (check.ok || this.closed || this.trials) return
    const delay = Math.min(RETRY_MAX_MS, RETRY_FIRST_MS * 2 ** attempt)
    const timer = setTimeout(() => void this.reconnect(saved, attempt + 1).catch(() => {}), delay)
    timer.unref()
    this.retrying = { saved, message: check.message, retryAt: Date.now() + delay, timer }
    this.emit('changed', this.status())
  }

  private stopRetrying(): void {
    if (this.retrying) clearTimeout(this.retrying.timer)
    this.retrying = null
  }

  test(url: string): Promise<RedisCheckResult> {
    return checkRedis(url)
  }

  async connect(input: { url: string; localSlots?: number; queue?: string; remember?: boolean }): Promise<{ check: RedisCheckResult; status: RemoteStatus }> {
    this.stopRetrying()
    const check = await checkRedis(input.url)
    if (!check.ok) return { check, status: this.status() }
    await this.disconnect('the host connected to another Redis server')
    const queue = input.queue ?? DEFAULT_QUEUE
    this.localSlots = input.localSlots ?? this.defaultLocalSlots
    let workspaceKey = getSetting<string>(this.db, WORKSPACE_KEY)
    if (!workspaceKey) setSetting(this.db, WORKSPACE_KEY, (workspaceKey = randomBytes(4).toString('hex')))
    const trials = new RemoteTrials({
      url: input.url,
      queue,
      workspaceKey,
      loadDataset: (hash) => loadDataset(this.db, hash),
      runSettled: (runId) => SETTLED.has(getRun(this.db, runId)?.status ?? '')
    })
    trials.on('changed', () => {
      this.emit('changed', this.status())
      // Agents came (or were sent work again): the scheduler may start more trials.
      this.emit('capacity')
    })
    this.trials = trials
    await trials.ready()
    this.runs.setRemote(trials, this.localSlots)
    if (input.remember ?? true) setSetting(this.db, SAVED_KEY, { url: input.url, localSlots: this.localSlots, queue } satisfies SavedRemote)
    this.emit('changed', this.status())
    return { check, status: this.status() }
  }

  async disconnect(reason = 'remote runners were disconnected', forget = false): Promise<RemoteStatus> {
    if (forget) setSetting(this.db, SAVED_KEY, null)
    if (this.retrying) {
      this.stopRetrying()
      this.emit('changed', this.status())
    }
    const trials = this.trials
    if (trials) {
      this.trials = null
      this.runs.dropRemote(reason)
      await trials.close()
      this.localSlots = this.defaultLocalSlots
      this.emit('changed', this.status())
      this.emit('capacity')
    }
    return this.status()
  }

  async pauseAgent(name: string, paused: boolean): Promise<RemoteStatus> {
    const trials = this.trials
    if (!trials) throw new ApiError('bad_input', 'no remote runners are connected (Settings → Remote runners)', 'name')
    if (!trials.agents().some((a) => a.name === name)) throw new ApiError('not_found', `no agent '${name}' reports to queue '${trials.queueName}'`, 'name')
    await trials.pauseAgent(name, paused)
    return this.status()
  }

  status(): RemoteStatus {
    const t = this.trials
    const r = this.retrying
    if (!t && r) {
      const { saved } = r
      return { url: redactedUrl(saved.url), queue: saved.queue, state: 'reconnecting', message: r.message, localSlots: this.localSlots, remoteSlots: 0, agents: [], inFlight: 0, waiting: 0, retryAt: r.retryAt }
    }
    if (!t) return { url: null, queue: null, state: 'off', message: null, localSlots: this.localSlots, remoteSlots: 0, agents: [], inFlight: 0, waiting: 0, retryAt: null }
    return { url: t.url, queue: t.queueName, state: t.state, message: t.message, localSlots: this.localSlots, remoteSlots: t.capacity(), agents: t.agents(), inFlight: t.inFlight(), waiting: t.waiting(), retryAt: null }
  }

  /** Closes the connection; runs in flight are left to the run manager's shutdown (interrupted, resumed by the next host). */
  async close(): Promise<void> {
    this.closed = true
    this.stopRetrying()
    const trials = this.trials
    this.trials = null
    await trials?.close()
  }
}

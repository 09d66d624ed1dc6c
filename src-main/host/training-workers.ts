/**
 * Training worker processes for the run manager. A warm worker serves trial after trial: when a
 * trial's last message arrives the worker is free at once, and the next trial the scheduler
 * claims — of any search — goes to it instead of a new process (a process start costs more than
 * an Isolation Forest trial: Node's start, zod, tfjs and the engine's modules). A worker holds
 * nothing of a trial once it ended (each opens its data and builds its model from the job), so
 * reusing one across searches is as safe as within one; what does carry over is memory (tfjs
 * kernels, wasm heaps that never shrink), so a worker is retired after `maxTrials` trials or once
 * its resident memory passes `maxRssBytes` at the end of a trial, after a trial that failed, and
 * an idle one after `idleMs`.
 *
 * `process-per-trial` (a spec's `isolation`) keeps the old way: a fresh process for the trial,
 * ended after it. A worker that dies takes only its current trial with it (the run manager
 * decides what that trial becomes); it is never handed another.
 */
import type { FromWorker, ToWorker, TrainingJob, TrialEnd } from '../workers/protocol'
import type { WorkerExit, WorkerHandle, WorkerLauncher } from './worker-launcher'

export type Isolation = 'warm' | 'process-per-trial' | 'fresh'

export interface WarmWorkerOptions {
  /** An idle warm worker exits after this long without a trial. */
  idleMs: number
  /** Trials a worker serves before it is retired. */
  maxTrials: number
  /** A worker whose resident memory exceeds this at the end of a trial is retired. */
  maxRssBytes: number
}

export const DEFAULT_WARM_WORKERS: WarmWorkerOptions = { idleMs: 60_000, maxTrials: 200, maxRssBytes: 1536 * 1024 * 1024 }

/** What the run manager hears of its trial's worker. */
export interface TrialListener {
  /** Every message of the trial (the last one included), but the worker's own (`ready`, `usage`). */
  onMessage(message: FromWorker): void
  /** The process ended before the trial's last message. */
  onExit(exit: WorkerExit): void
}

/** A trial on a worker, as the run manager holds it. */
export interface TrialOnWorker {
  readonly pid: number | null
  /** Trials this process served before this one: 0 for a fresh process. */
  readonly earlier: number
  /** Milliseconds from fork to the process's `ready`, once known; null on a warm worker (no start paid). */
  readonly startupMs: number | null
  /** A warm worker's resident memory when its last trial ended; null for a fresh process. */
  readonly residentBytes: number | null
  cancel(reason: string): void
  /** Ends the process if it is still on this trial (a warm worker that moved on is left alone). */
  kill(): void
}

interface Worker {
  handle: WorkerHandle<'training'>
  launchedAt: number
  startupMs: number | null
  ready: boolean
  served: number
  rssBytes: number
  /** Ended after its current trial (process-per-trial, or a trial that asked for a fresh process). */
  single: boolean
  trial: { job: TrainingJob; listener: TrialListener; sent: boolean } | null
  idleTimer: NodeJS.Timeout | null
  retired: boolean
}

const FINAL: ReadonlySet<FromWorker['type']> = new Set<TrialEnd['type']>(['done', 'cancelled', 'error'])

export class TrainingWorkers {
  private readonly idle: Worker[] = []
  private readonly all = new Set<Worker>()
  private closed = false

  constructor(
    private readonly launcher: WorkerLauncher,
    private readonly opts: WarmWorkerOptions = DEFAULT_WARM_WORKERS
  ) {}

  /** Worker processes alive now (busy or idle). */
  get size(): number {
    return this.all.size
  }

  /**
   * Runs `job` on an idle warm worker (`warm`) or a new process (`process-per-trial`, ended
   * after; `fresh`, kept warm after). Throws when no process can be started.
   */
  start(job: TrainingJob, isolation: Isolation, listener: TrialListener): TrialOnWorker {
    if (this.closed) throw new Error('the workbench is shutting down')
    const reused = isolation === 'warm' ? this.idle.pop() : undefined
    const w = reused ?? this.launch(isolation === 'process-per-trial')
    if (w.idleTimer) clearTimeout(w.idleTimer)
    w.idleTimer = null
    const trial = { job, listener, sent: false }
    w.trial = trial
    const earlier = w.served
    if (w.ready) this.send(w)
    return {
      pid: w.handle.pid,
      earlier,
      residentBytes: reused ? w.rssBytes : null,
      get startupMs() {
        return reused ? null : w.startupMs
      },
      cancel: (reason) => {
        if (w.trial === trial) w.handle.send({ type: 'cancel', runId: job.runId, reason })
      },
      kill: () => {
        if (w.trial === trial) w.handle.kill()
      }
    }
  }

  /** Ends every worker (their trials' listeners hear nothing more). */
  close(): void {
    this.closed = true
    for (const w of this.all) {
      w.trial = null
      this.retire(w, true)
    }
    this.all.clear()
    this.idle.length = 0
  }

  private launch(single: boolean): Worker {
    const handle = this.launcher.launch('training')
    const w: Worker = { handle, launchedAt: performance.now(), startupMs: null, ready: false, served: 0, rssBytes: 0, single, trial: null, idleTimer: null, retired: false }
    this.all.add(w)
    handle.onMessage((m) => this.onMessage(w, m))
    handle.onExit((exit) => this.onExit(w, exit))
    return w
  }

  private send(w: Worker): void {
    const t = w.trial!
    t.sent = true
    w.handle.send({ type: 'start', job: t.job } satisfies ToWorker)
  }

  private onMessage(w: Worker, m: FromWorker): void {
    if (m.type === 'ready') {
      w.ready = true
      w.startupMs = performance.now() - w.launchedAt
      if (w.trial && !w.trial.sent) this.send(w)
      return
    }
    if (m.type === 'usage') {
      w.rssBytes = m.rssBytes
      return
    }
    const trial = w.trial
    if (!trial) return
    if (FINAL.has(m.type)) {
      // Free before the listener hears it: the run it ends frees a scheduler slot, whose next
      // trial (started from inside the listener) should find this worker idle.
      w.trial = null
      w.served++
      this.release(w, m.type === 'error')
    }
    trial.listener.onMessage(m)
  }

  private onExit(w: Worker, exit: WorkerExit): void {
    this.all.delete(w)
    this.dropIdle(w)
    if (w.idleTimer) clearTimeout(w.idleTimer)
    const trial = w.trial
    w.trial = null
    if (trial && !this.closed) trial.listener.onExit(exit)
  }

  /**
   * A worker whose trial ended: idle and warm, or retired. One whose trial failed is retired:
   * some failures are the process's, not the trial's (a lost GPU device, an aborted wasm module,
   * a heap left full), and would fail every trial after it; a process start is cheap beside that.
   */
  private release(w: Worker, failed: boolean): void {
    if (this.closed || w.retired) return
    if (failed || w.single || w.served >= this.opts.maxTrials || w.rssBytes > this.opts.maxRssBytes) return this.retire(w, false)
    this.idle.push(w)
    w.idleTimer = setTimeout(() => {
      this.dropIdle(w)
      this.retire(w, false)
    }, this.opts.idleMs)
    // An idle worker never keeps a process alive on its own.
    w.idleTimer.unref()
  }

  private dropIdle(w: Worker): void {
    const i = this.idle.indexOf(w)
    if (i >= 0) this.idle.splice(i, 1)
  }

  /** Asks the worker to exit (it is idle), and ends it if it has not within a few seconds; `now`: ends it at once. */
  private retire(w: Worker, now: boolean): void {
    w.retired = true
    if (now) return w.handle.kill()
    w.handle.send({ type: 'exit' })
    setTimeout(() => w.handle.kill(), 5000).unref()
  }
}

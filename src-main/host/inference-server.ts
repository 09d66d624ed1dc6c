/**
 * A warm inference worker: one process that answers requests (protocol.ts `InferenceRequest`)
 * one after another and keeps the runs' models loaded between them, started on the first request
 * and ended after `idleMs` without one (its memory goes back; the next request starts a fresh
 * one). A worker that dies fails the requests it held with the reason; the next one starts anew.
 * Model work never runs on the host's thread: the host only sends rows and receives answers.
 */
import type { InferenceReply, InferenceRequest } from '../workers/protocol'
import type { WorkerHandle, WorkerLauncher, WorkerExit } from './worker-launcher'

/** The worker answered that it could not do what was asked (as opposed to dying or being stopped). */
export class WorkerReplyError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'WorkerReplyError'
  }
}

interface Pending {
  request: InferenceRequest
  resolve: (reply: InferenceReply) => void
  reject: (err: Error) => void
}

export class InferenceServer {
  private worker: WorkerHandle<'inference'> | null = null
  private ready = false
  private readonly pending = new Map<number, Pending>()
  private nextId = 1
  private idleTimer: NodeJS.Timeout | null = null
  private closed = false

  constructor(
    private readonly launcher: WorkerLauncher,
    private readonly opts: { idleMs: number; what: string }
  ) {}

  /** Whether a worker process is up now (tests and status). */
  get running(): boolean {
    return this.worker !== null
  }

  request<K extends InferenceRequest['kind']>(request: Extract<InferenceRequest, { kind: K }>): Promise<Extract<InferenceReply, { kind: K }>> {
    if (this.closed) return Promise.reject(new Error('the workbench is shutting down'))
    if (this.idleTimer) clearTimeout(this.idleTimer)
    this.idleTimer = null
    return new Promise((resolve, reject) => {
      const id = this.nextId++
      this.pending.set(id, { request, resolve: resolve as Pending['resolve'], reject })
      if (!this.worker) this.start()
      else if (this.ready) this.worker.send({ type: 'request', id, request })
    })
  }

  /** Ends the worker; requests in flight fail. */
  close(): void {
    this.closed = true
    this.stop(new Error('the workbench is shutting down'))
  }

  private start(): void {
    let worker: WorkerHandle<'inference'>
    try {
      worker = this.launcher.launch('inference')
    } catch (err) {
      return this.failAll(new Error(`could not start the ${this.opts.what} worker: ${(err as Error).message}`))
    }
    this.worker = worker
    this.ready = false
    worker.onMessage((m) => {
      if (this.worker !== worker) return
      if (m.type === 'ready') {
        this.ready = true
        for (const [id, p] of this.pending) worker.send({ type: 'request', id, request: p.request })
      } else if (m.type === 'reply') {
        const p = this.pending.get(m.id)
        if (!p) return
        this.pending.delete(m.id)
        if (m.ok) p.resolve(m.reply)
        else p.reject(new WorkerReplyError(m.message))
        if (this.pending.size === 0) this.armIdle()
      }
    })
    worker.onExit((exit) => {
      if (this.worker !== worker) return
      this.worker = null
      this.failAll(new Error(died(this.opts.what, exit)))
    })
  }

  private armIdle(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer)
    this.idleTimer = setTimeout(() => {
      if (this.pending.size === 0) this.stop(null)
    }, this.opts.idleMs)
    // An idle worker never keeps a CLI process alive on its own.
    this.idleTimer.unref()
  }

  private stop(reason: Error | null): void {
    if (this.idleTimer) clearTimeout(this.idleTimer)
    this.idleTimer = null
    const worker = this.worker
    this.worker = null
    worker?.kill()
    if (reason) this.failAll(reason)
  }

  private failAll(err: Error): void {
    const all = [...this.pending.values()]
    this.pending.clear()
    for (const p of all) p.reject(err)
  }
}

function died(what: string, exit: WorkerExit): string {
  const how = exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`
  return `the ${what} worker ${how}${exit.stderrTail ? `: ${exit.stderrTail.split('\n').slice(-2).join(' | ')}` : ''}`
}

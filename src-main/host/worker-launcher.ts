/**
 * How the host starts a worker process. Two implementations: Node's child_process.fork
 * (`node-worker-launcher.ts`: CLI, web host, tests) and Electron's utilityProcess.fork
 * (`src-main/electron/utility-launcher.ts`). The run manager sees only this interface.
 */
import type { FromWorker, ToWorker } from '../workers/protocol'

export type WorkerKind = 'training'

export interface WorkerExit {
  code: number | null
  signal: string | null
  /** Last lines the process wrote to stderr: the best clue when it crashed. */
  stderrTail: string
}

export interface WorkerHandle {
  readonly pid: number | null
  send(message: ToWorker): void
  onMessage(listener: (message: FromWorker) => void): void
  onExit(listener: (exit: WorkerExit) => void): void
  kill(): void
}

export interface WorkerLauncher {
  launch(kind: WorkerKind): WorkerHandle
}

/** Keeps the last `max` characters of a stream's text. */
export class TailBuffer {
  private text = ''
  constructor(private readonly max = 4000) {}
  push(chunk: Buffer | string): void {
    this.text = (this.text + chunk.toString()).slice(-this.max)
  }
  toString(): string {
    return this.text.trim()
  }
}

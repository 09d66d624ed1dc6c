/**
 * How the host starts a worker process. Two implementations: Node's child_process.fork
 * (`node-worker-launcher.ts`: CLI, web host, tests) and Electron's utilityProcess.fork
 * (`src-main/electron/utility-launcher.ts`). The run manager sees only this interface.
 */
import { getPriority, setPriority } from 'node:os'
import { join } from 'node:path'
import type { WorkerKind, WorkerMessages } from '../workers/protocol'
import { BUNDLE_DIR } from './app-meta'

export type { WorkerKind } from '../workers/protocol'

// A record, so that the compiler refuses a list that misses a kind.
const workerKinds: Record<WorkerKind, true> = { training: true, data: true, inference: true }
/** Every worker kind: the build makes one bundle entry of each (electron.vite.config.ts). */
export const WORKER_KINDS = Object.keys(workerKinds) as WorkerKind[]

/** A worker's entry name in the bundle: out/main/<name>.js. */
export const workerBundleName = (kind: WorkerKind): string => `${kind}-worker`

/** The bundled worker entry that Electron and the bundled CLI fork: plain JS, no loader. */
export const bundledWorkerEntry = (kind: WorkerKind): string => join(BUNDLE_DIR, `${workerBundleName(kind)}.js`)

export interface WorkerExit {
  code: number | null
  signal: string | null
  /** Last lines the process wrote to stderr: the best clue when it crashed. */
  stderrTail: string
}

export interface WorkerHandle<K extends WorkerKind = WorkerKind> {
  readonly pid: number | null
  send(message: WorkerMessages[K]['in']): void
  /** Messages parsed against the protocol (workers/protocol.ts `parsedMessages`): a malformed one arrives as the worker's error. */
  onMessage(listener: (message: WorkerMessages[K]['out']) => void): void
  onExit(listener: (exit: WorkerExit) => void): void
  kill(): void
}

export interface WorkerLauncher {
  launch<K extends WorkerKind>(kind: K): WorkerHandle<K>
}

/**
 * Forwards a worker's stdout and stderr to ours (stderr: stdout is reserved for `--json`) and
 * keeps the tail of its stderr, the best clue when it crashes.
 */
export function pipeWorkerOutput(
  stdout: NodeJS.ReadableStream | null | undefined,
  stderr: NodeJS.ReadableStream | null | undefined
): TailBuffer {
  const tail = new TailBuffer()
  stdout?.on('data', (chunk: Buffer) => process.stderr.write(chunk))
  stderr?.on('data', (chunk: Buffer) => {
    tail.push(chunk)
    process.stderr.write(chunk)
  })
  return tail
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

/** How much nicer than the host a training worker runs (Unix nice steps). */
const WORKER_NICENESS = 5

/**
 * Lowers a training worker's scheduling priority below this process's, so that trials on every
 * core leave the host's event loop (database writes, the UI's requests) the CPU whenever it needs
 * it. Never raises it (a host already niced keeps its workers at least as nice); where the OS
 * refuses, the worker keeps the host's priority.
 */
export function yieldToHost(kind: WorkerKind, pid: number | null | undefined): void {
  if (kind !== 'training' || !pid) return
  try {
    setPriority(pid, Math.min(19, getPriority() + WORKER_NICENESS))
  } catch {
    // Not permitted here: the worker runs at the host's priority.
  }
}

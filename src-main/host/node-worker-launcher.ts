/**
 * Workers as Node child processes. The worker entry is TypeScript run through tsx's loader, so the
 * CLI, the web host and the tests need no build step; Electron uses the bundled entry instead.
 */
import { fork } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { createRequire } from 'node:module'
import { parsedMessages } from '../workers/protocol'
import type { WorkerHandle, WorkerKind, WorkerLauncher, WorkerExit } from './worker-launcher'
import { pipeWorkerOutput, yieldToHost } from './worker-launcher'

const entries: Record<WorkerKind, string> = {
  training: fileURLToPath(new URL('../workers/training-worker.ts', import.meta.url)),
  data: fileURLToPath(new URL('../workers/data-worker.ts', import.meta.url)),
  inference: fileURLToPath(new URL('../workers/inference-worker.ts', import.meta.url))
}

const tsxLoader = createRequire(import.meta.url).resolve('tsx')

export interface NodeWorkerLauncherOptions {
  /**
   * Worker entries to fork instead of the TypeScript sources, e.g. the bundled chunks under
   * out/main/chunks that Electron forks as utility processes (plain JS: no loader needed).
   */
  bundledEntries?: Partial<Record<WorkerKind, string>>
}

export class NodeWorkerLauncher implements WorkerLauncher {
  constructor(private readonly opts: NodeWorkerLauncherOptions = {}) {}

  launch<K extends WorkerKind>(kind: K): WorkerHandle<K> {
    const bundled = this.opts.bundledEntries?.[kind]
    const child = fork(bundled ?? entries[kind], [], {
      execArgv: bundled ? [] : ['--import', tsxLoader],
      serialization: 'advanced',
      // stdout is piped too: a library printing to stdout must never corrupt `--json` output.
      stdio: ['ignore', 'pipe', 'pipe', 'ipc']
    })
    yieldToHost(kind, child.pid)
    const stderr = pipeWorkerOutput(child.stdout, child.stderr)
    const exitListeners: ((e: WorkerExit) => void)[] = []
    child.on('exit', (code, signal) => {
      for (const l of exitListeners) l({ code, signal, stderrTail: stderr.toString() })
    })
    // A send to a dead child emits 'error' on the child; the exit handler reports the death.
    child.on('error', () => {})
    return {
      pid: child.pid ?? null,
      send: (message) => {
        if (child.connected) child.send(message)
      },
      onMessage: (listener) => child.on('message', parsedMessages(kind, listener, () => child.kill('SIGKILL'))),
      onExit: (listener) => exitListeners.push(listener),
      kill: () => {
        child.kill('SIGKILL')
      }
    }
  }
}

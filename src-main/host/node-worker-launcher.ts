/**
 * Workers as Node child processes (CLI, web host, tests). A host running from the bundle forks the
 * bundled worker entries on plain Node; a host running from the TypeScript sources (development,
 * the tests' in-process hosts) forks the worker sources through tsx's loader, so that an edit runs
 * without a build. Electron forks the same bundled entries as utility processes.
 */
import { fork } from 'node:child_process'
import { join } from 'node:path'
import { createRequire } from 'node:module'
import { parsedMessages } from '../workers/protocol'
import type { DoctorReport } from '../contract/api'
import { APP_ROOT, CODE_FROM } from './app-meta'
import type { WorkerHandle, WorkerKind, WorkerLauncher, WorkerExit } from './worker-launcher'
import { bundledWorkerEntry, pipeWorkerOutput, yieldToHost, workerBundleName } from './worker-launcher'

type CodeFrom = DoctorReport['code']['from']
export type WorkerLaunchPlan = DoctorReport['code']['workers'][string]

/** What `fork` runs for a worker of `kind` when the code comes `from` the bundle or the sources. */
export function workerLaunchPlan(kind: WorkerKind, from: CodeFrom = CODE_FROM): WorkerLaunchPlan {
  if (from === 'bundle') return { entry: bundledWorkerEntry(kind), execArgv: [] }
  // Resolved here, not at load: the bundle runs where tsx (a devDependency) is not installed.
  const tsx = createRequire(import.meta.url).resolve('tsx')
  return { entry: join(APP_ROOT, 'src-main', 'workers', `${workerBundleName(kind)}.ts`), execArgv: ['--import', tsx] }
}

export interface NodeWorkerLauncherOptions {
  /** Where the workers' code comes from; by default, where this host's code comes from. */
  from?: CodeFrom
  /** Plain JS entries to fork instead, e.g. a test's deliberately misbehaving worker. */
  bundledEntries?: Partial<Record<WorkerKind, string>>
}

export class NodeWorkerLauncher implements WorkerLauncher {
  constructor(private readonly opts: NodeWorkerLauncherOptions = {}) {}

  launch<K extends WorkerKind>(kind: K): WorkerHandle<K> {
    const given = this.opts.bundledEntries?.[kind]
    const plan = given ? { entry: given, execArgv: [] } : workerLaunchPlan(kind, this.opts.from)
    const child = fork(plan.entry, [], {
      // Explicit, so that the host's own flags (a loader, an inspector) are never inherited.
      execArgv: plan.execArgv,
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

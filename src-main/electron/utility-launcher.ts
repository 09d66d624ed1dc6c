/** Workers as Electron utility processes: the bundled worker entries in out/main, as the bundled CLI forks them. */
import { utilityProcess } from 'electron'
import { parsedMessages } from '../workers/protocol'
import type { WorkerExit, WorkerHandle, WorkerKind, WorkerLauncher } from '../host/worker-launcher'
import { bundledWorkerEntry, pipeWorkerOutput, yieldToHost } from '../host/worker-launcher'

export class UtilityWorkerLauncher implements WorkerLauncher {
  launch<K extends WorkerKind>(kind: K): WorkerHandle<K> {
    const child = utilityProcess.fork(bundledWorkerEntry(kind), [], { stdio: 'pipe', serviceName: `workbench-${kind}-worker` })
    // The pid is known once the process spawned.
    child.once('spawn', () => yieldToHost(kind, child.pid))
    const stderr = pipeWorkerOutput(child.stdout, child.stderr)
    const exitListeners: ((e: WorkerExit) => void)[] = []
    let killedByUs = false
    child.on('exit', (code) => {
      // utilityProcess reports only an exit code; a kill we sent is named as such.
      for (const l of exitListeners) l({ code, signal: killedByUs ? 'SIGKILL' : null, stderrTail: stderr.toString() })
    })
    return {
      get pid() {
        return child.pid ?? null
      },
      send: (message) => child.postMessage(message),
      onMessage: (listener) =>
        child.on(
          'message',
          parsedMessages(kind, listener, () => {
            killedByUs = true
            child.kill()
          })
        ),
      onExit: (listener) => exitListeners.push(listener),
      kill: () => {
        killedByUs = true
        child.kill()
      }
    }
  }
}

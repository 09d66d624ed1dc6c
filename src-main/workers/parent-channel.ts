/**
 * The one place a worker learns how it was started. Under Electron's `utilityProcess.fork` the
 * process has `process.parentPort` (a MessagePort); under Node's `child_process.fork` it has
 * `process.send`. Everything else in a worker talks to the `ParentChannel` this returns
 * (the pattern of VS Code's watcherMain.ts).
 */
import { CancelledError } from '../core/cancelled'
import type { JobFailure } from './protocol'

export interface ParentChannel<In, Out> {
  send(message: Out): void
  /** Sends the last message, then lets the process end once it is delivered. */
  sendFinal(message: Out): void
  onMessage(listener: (message: In) => void): void
}

/**
 * The last message of a job that threw: cancelled when the host asked it to stop (or it stopped
 * on a cancellation), else an error with the stack, for the host to log.
 */
export function jobFailure(err: unknown, cancelReason: string | null): JobFailure {
  const e = err as Error
  if (e instanceof CancelledError || cancelReason !== null) return { type: 'cancelled', reason: cancelReason ?? e.message }
  return { type: 'error', message: e.message, stack: e.stack }
}

interface ParentPort {
  postMessage(message: unknown): void
  on(event: 'message', listener: (e: { data: unknown }) => void): void
}

export function parentChannel<In, Out>(): ParentChannel<In, Out> {
  const parentPort = (process as unknown as { parentPort?: ParentPort }).parentPort
  if (parentPort) {
    return {
      send: (message) => parentPort.postMessage(message),
      sendFinal: (message) => {
        parentPort.postMessage(message)
        // postMessage queues on the port synchronously; one turn later the port has it.
        setTimeout(() => process.exit(0), 20)
      },
      onMessage: (listener) => parentPort.on('message', (e) => listener(e.data as In))
    }
  }
  if (process.send) {
    const send = process.send.bind(process)
    // The host died (or was killed): nobody will read our results, so do not train on as an orphan.
    process.on('disconnect', () => process.exit(1))
    return {
      send: (message) => {
        send(message)
      },
      // disconnect() only after the callback: messages still in the pipe would be lost otherwise.
      sendFinal: (message) => {
        send(message, undefined, undefined, () => {
          process.removeAllListeners('disconnect')
          process.disconnect()
        })
      },
      onMessage: (listener) => process.on('message', (m) => listener(m as In))
    }
  }
  throw new Error('this module runs as a worker process (utilityProcess.fork or child_process.fork), not directly')
}

/** One-shot jobs in inference-worker processes (export, verify, score), awaited by the caller. */
import type { InferenceJob, InferenceResult } from '../workers/protocol'
import type { WorkerLauncher } from './worker-launcher'

/**
 * The worker ran the job and refused it, saying why (a bundle that fails its checks, a file it
 * cannot read): the job's input is at fault. A worker that dies rejects with a plain Error.
 */
export class WorkerJobError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'WorkerJobError'
  }
}

export function runInferenceJob<K extends InferenceJob['kind']>(
  launcher: WorkerLauncher,
  job: Extract<InferenceJob, { kind: K }>,
  onProgress?: (fraction: number, message: string) => void
): Promise<Extract<InferenceResult, { kind: K }>> {
  return new Promise((resolve, reject) => {
    const worker = launcher.launch('inference')
    let settled = false
    worker.onMessage((m) => {
      if (m.type === 'ready') worker.send({ type: 'start', job })
      else if (m.type === 'progress') onProgress?.(m.fraction, m.message)
      else if (m.type === 'done') {
        settled = true
        resolve(m.result as Extract<InferenceResult, { kind: K }>)
      } else if (m.type === 'error') {
        settled = true
        reject(new WorkerJobError(m.message))
      }
    })
    worker.onExit((exit) => {
      if (!settled) reject(new Error(`inference worker ${exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`}${exit.stderrTail ? `: ${exit.stderrTail.split('\n').slice(-2).join(' | ')}` : ''}`))
    })
  })
}

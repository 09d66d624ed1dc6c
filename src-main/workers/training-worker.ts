/**
 * Training worker entry: one process per trial. Runs unchanged under Electron's
 * `utilityProcess.fork` and Node's `child_process.fork`; `parentChannel` hides which.
 * It computes and reports; the host owns the database and decides what a crash means.
 */
import { parentChannel } from './parent-channel'
import type { FromWorker, ToWorker, TrainingJob } from './protocol'
import { runTrial, backendFor } from '../core/search/run-trial'

const channel = parentChannel<ToWorker, FromWorker>()
let cancelReason: string | null = null
let started = false

// Progress is throttled: a UI needs a few updates a second, not one per tree.
let lastProgressAt = 0
function progress(p: { stage: string; fraction: number; message: string; etaMs: number | null }): void {
  const now = Date.now()
  if (now - lastProgressAt < 100 && p.fraction < 1) return
  lastProgressAt = now
  channel.send({ type: 'progress', ...p })
}

async function run(job: TrainingJob): Promise<void> {
  try {
    channel.send({ type: 'started', backend: backendFor(job.spec.model.kind) })
    const out = await runTrial(job.spec, {
      onDataset: (role, series, source) =>
        channel.send({ type: 'dataset', role, series, generator: source.generator, params: source.params }),
      onParams: (params) => channel.send({ type: 'params', params }),
      onProgress: progress,
      onLog: (level, message) => channel.send({ type: 'log', level, message }),
      onEpoch: (e) => channel.send({ type: 'epoch', ...e }),
      shouldStop: () => cancelReason !== null
    })
    // A worker serves exactly one trial, then ends.
    channel.sendFinal({ type: 'done', results: out.results, scores: out.scores })
  } catch (err) {
    const e = err as Error
    if (e.name === 'CancelledError' || cancelReason !== null) channel.sendFinal({ type: 'cancelled', reason: cancelReason ?? e.message })
    else channel.sendFinal({ type: 'error', message: e.message, stack: e.stack })
  }
}

channel.onMessage((message) => {
  if (message.type === 'cancel') cancelReason = message.reason
  else if (message.type === 'start' && !started) {
    started = true
    void run(message.job)
  }
})
channel.send({ type: 'ready', pid: process.pid })

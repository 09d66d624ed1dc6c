/**
 * Training worker entry: one process per trial. Runs unchanged under Electron's
 * `utilityProcess.fork` and Node's `child_process.fork`; `parentChannel` hides which.
 * It computes and reports; the host owns the database and decides what a crash means.
 */
import { parentChannel, sendJobFailure } from './parent-channel'
import type { FromWorker, ToWorker, TrainingJob } from './protocol'
import { runTrial } from '../core/search/run-trial'
import { backendFor } from '../core/models/trainers'
import { openReadonlyDatabase } from '../core/store/database'
import type { RunProgress } from '../core/store/run-schemas'
import { loadDataset, resolveDatasetId } from '../core/store/datasets-repo'

const channel = parentChannel<ToWorker, FromWorker>()
let cancelReason: string | null = null
let started = false

// Progress is throttled: a UI needs a few updates a second, not one per tree.
let lastProgressAt = 0
function progress(p: RunProgress): void {
  const now = Date.now()
  if (now - lastProgressAt < 100 && p.fraction < 1) return
  lastProgressAt = now
  channel.send({ type: 'progress', ...p })
}

async function run(job: TrainingJob): Promise<void> {
  try {
    channel.send({ type: 'started', backend: await backendFor(job.spec.model.kind) })
    // Stored versions are read straight from the workspace database (WAL: readers never block
    // the host's writes); only freshly generated data travels back to be stored.
    let db: ReturnType<typeof openReadonlyDatabase> | null = null
    const out = await runTrial(job.spec, {
      artifactsDir: job.artifactsDir,
      loadVersion: (idOrPrefix) => {
        db ??= openReadonlyDatabase(job.dbFile)
        const id = resolveDatasetId(db, idOrPrefix)
        if (!id) throw new Error(`dataset version ${idOrPrefix} is not in the workspace`)
        return { id, series: loadDataset(db, id) }
      },
      onDataset: (source) => {
        // The host stores generated data as a version before a trial starts (its identity
        // includes the data's hash): a trial that would generate its own has no version to record.
        if (source.kind === 'generated') throw new Error(`the spec generates '${source.generator}' data, but a worker trains only on stored dataset versions (queue the spec to store its data first)`)
        channel.send({ type: 'datasetRef', role: source.role, id: source.id })
      },
      onParams: (params) => channel.send({ type: 'params', params }),
      onProgress: progress,
      onLog: (level, message) => channel.send({ type: 'log', level, message }),
      onEpoch: (e) => channel.send({ type: 'epoch', ...e }),
      shouldStop: () => cancelReason !== null
    })
    ;(db as ReturnType<typeof openReadonlyDatabase> | null)?.close()
    // A worker serves exactly one trial, then ends.
    channel.sendFinal({ type: 'done', results: out.results, scores: out.scores })
  } catch (err) {
    sendJobFailure(channel, err, cancelReason)
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

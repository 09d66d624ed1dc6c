/**
 * Training worker entry: trials one after another, as the host sends them — a warm worker serves
 * the next trial without a process start, and the host decides when it retires
 * (host/training-workers.ts). Runs unchanged under Electron's `utilityProcess.fork` and Node's
 * `child_process.fork`; `parentChannel` hides which. It computes and reports; the host owns the
 * database and decides what a crash means.
 */
import { parentChannel, jobFailure } from './parent-channel'
import type { FromWorker, ToWorker, TrainingJob, TrialEnd } from './protocol'
import { runTrial } from '../core/search/run-trial'
import { backendFor } from '../core/models/trainers'
import { openReadonlyDatabase } from '../core/store/database'
import type { RunProgress } from '../core/store/run-schemas'
import { loadDataset, resolveDatasetId } from '../core/store/datasets-repo'

const channel = parentChannel<ToWorker, FromWorker>()
/** The trial in progress (one at a time) and whether the host asked it to stop. */
let current: { runId: number; cancelReason: string | null } | null = null

// Progress is throttled: a UI needs a few updates a second, not one per tree.
let lastProgressAt = 0
function progress(p: RunProgress): void {
  const now = Date.now()
  if (now - lastProgressAt < 100 && p.fraction < 1) return
  lastProgressAt = now
  channel.send({ type: 'progress', ...p })
}

/** A trial's last message, after the process's memory then (the host retires a worker that grew). */
function end(message: TrialEnd): void {
  channel.send({ type: 'usage', rssBytes: process.memoryUsage().rss })
  channel.send(message)
}

async function run(job: TrainingJob): Promise<void> {
  const trial = (current = { runId: job.runId, cancelReason: null as string | null })
  lastProgressAt = 0
  // Stored versions are read straight from the workspace database (WAL: readers never block the
  // host's writes); only freshly generated data travels back to be stored.
  let db: ReturnType<typeof openReadonlyDatabase> | null = null
  try {
    channel.send({ type: 'started', backend: await backendFor(job.spec.model.kind) })
    const out = await runTrial(job.spec, {
      artifactsDir: job.artifactsDir,
      resumeFrom: job.resumeFrom ?? null,
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
      shouldStop: () => trial.cancelReason !== null,
      threads: job.threads
    })
    end({ type: 'done', results: out.results, scores: out.scores })
  } catch (err) {
    end(jobFailure(err, trial.cancelReason))
  } finally {
    ;(db as ReturnType<typeof openReadonlyDatabase> | null)?.close()
    // Synchronously after the last message: a 'start' the host sends on reading it finds the worker free.
    current = null
  }
}

channel.onMessage((message) => {
  if (message.type === 'cancel') {
    if (current?.runId === message.runId) current.cancelReason = message.reason
  } else if (message.type === 'start') {
    // The host sends a trial only to a free worker; a second one at once is a host bug, said loudly.
    if (current) process.stderr.write(`training worker: trial of run ${message.job.runId} refused: run ${current.runId} is in progress\n`)
    else void run(message.job)
  } else if (message.type === 'exit') {
    process.exit(0)
  }
})
channel.send({ type: 'ready', pid: process.pid })

/**
 * Dataset jobs (generate a scenario, import files) in data-worker processes. The host stores the
 * result as a version in one transaction, so a failed or killed job leaves nothing behind.
 */
import { EventEmitter } from 'node:events'
import { randomUUID } from 'node:crypto'
import { basename } from 'node:path'
import type { Db } from '../core/store/database'
import { saveDataset, type DatasetMeta } from '../core/store/datasets-repo'
import type { DataJob } from '../workers/protocol'
import type { WorkerLauncher } from './worker-launcher'
import type { JobProgress } from '../contract/api'

export interface JobOutcome {
  jobId: string
  dataset: DatasetMeta | null
  error: string | null
}

export class DatasetJobs extends EventEmitter<{ progress: [JobProgress]; stored: [DatasetMeta] }> {
  private readonly outcomes = new Map<string, JobOutcome>()
  private readonly kills = new Set<() => void>()

  constructor(
    private readonly db: Db,
    private readonly launcher: WorkerLauncher
  ) {
    super()
  }

  start(job: DataJob): string {
    const jobId = randomUUID()
    const report = (p: Omit<JobProgress, 'jobId' | 'kind'>) => this.emit('progress', { jobId, kind: job.kind, ...p })
    const worker = this.launcher.launch('data')
    const kill = () => worker.kill()
    this.kills.add(kill)
    let finished = false
    const finish = (dataset: DatasetMeta | null, error: string | null) => {
      if (finished) return
      finished = true
      this.kills.delete(kill)
      this.outcomes.set(jobId, { jobId, dataset, error })
      report({ fraction: dataset ? 1 : 0, message: error ?? `stored ${dataset!.name}`, done: true, datasetId: dataset?.id ?? null, error })
    }
    worker.onMessage((m) => {
      switch (m.type) {
        case 'ready':
          worker.send({ type: 'start', job })
          return
        case 'progress':
          report({ fraction: m.fraction, message: m.message, done: false, datasetId: null, error: null })
          return
        case 'done':
          try {
            const meta =
              job.kind === 'generate'
                ? saveDataset(this.db, m.series, { source: 'generated', generator: job.scenario, params: job.params })
                : saveDataset(this.db, m.series, {
                    source: 'imported',
                    params: { ...job.options, files: job.files.map((f) => basename(f)) }
                  })
            finish(meta, null)
            this.emit('stored', meta)
          } catch (err) {
            finish(null, `could not store the dataset: ${(err as Error).message}`)
          }
          return
        case 'cancelled':
          finish(null, `cancelled: ${m.reason}`)
          return
        case 'error':
          finish(null, m.message)
          return
      }
    })
    worker.onExit((exit) => {
      if (!finished) finish(null, `data worker ${exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`}${exit.stderrTail ? `: ${exit.stderrTail.split('\n').slice(-2).join(' | ')}` : ''}`)
    })
    report({ fraction: 0, message: job.kind === 'generate' ? `generating ${job.scenario}` : `importing ${job.files.length} file(s)`, done: false, datasetId: null, error: null })
    return jobId
  }

  /** Resolves when the job has ended (stored or failed). */
  waitFor(jobId: string): Promise<JobOutcome> {
    const known = this.outcomes.get(jobId)
    if (known) return Promise.resolve(known)
    return new Promise((resolve) => {
      const on = (p: JobProgress) => {
        if (p.jobId === jobId && p.done) {
          this.off('progress', on)
          resolve(this.outcomes.get(jobId)!)
        }
      }
      this.on('progress', on)
    })
  }

  shutdown(): void {
    for (const kill of this.kills) kill()
    this.kills.clear()
  }
}

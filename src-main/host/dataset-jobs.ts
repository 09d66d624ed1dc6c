/**
 * Dataset jobs (generate a scenario, import files) in data-worker processes, and heavy reads of
 * stored versions (histograms) answered by one.
 *
 * A job's series arrives array by array (see the data-worker protocol): each array is staged in
 * the database as it comes (StagedDataset: a TEMP table nobody else sees), acknowledged so the
 * worker sends the next, and the version is published in one transaction when the last has
 * arrived. The host never holds more than one array of an import, and a failed, cancelled or
 * killed job leaves nothing behind.
 */
import { EventEmitter } from 'node:events'
import { randomUUID } from 'node:crypto'
import { basename } from 'node:path'
import type { Db } from '../core/store/database'
import { StagedDataset, type DatasetMeta, type SaveDatasetOptions } from '../core/store/datasets-repo'
import { DEFAULT_MISSING_RULE, type FillReport } from '../core/data/missing-values'
import type { ColumnHistogram } from '../core/data/column-stats'
import type { ColumnRoleEntry } from '../core/data/import/options'
import type { DataJob, DataQuery } from '../workers/protocol'
import type { WorkerLauncher, WorkerExit } from './worker-launcher'
import type { ApiErrorCode, JobProgress } from '../contract/api'

export interface JobOutcome {
  jobId: string
  dataset: DatasetMeta | null
  error: string | null
  /** Whose fault a failure is: `bad_input` (the worker refused the file or params), `internal` (anything else). */
  errorCode: ApiErrorCode | null
  /** What the user should know about a stored dataset: missing cells filled, no label column... */
  warnings: string[]
}

/** Share of the progress bar the worker reports for reading; storing the arrays fills the rest. */
const READ_SHARE = 0.8

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
    let staged: StagedDataset | null = null
    let warnings: string[] = []
    let filled: FillReport | null = null
    let provenance: Provenance = { roles: null, sources: null }
    let finished = false
    const finish = (dataset: DatasetMeta | null, error: string | null, errorCode: ApiErrorCode | null = error === null ? null : 'internal') => {
      if (finished) return
      finished = true
      staged?.discard()
      this.kills.delete(kill)
      this.outcomes.set(jobId, { jobId, dataset, error, errorCode, warnings: dataset ? warnings : [] })
      const message = error ?? [`stored ${dataset!.name}`, ...warnings].join('; ')
      report({ fraction: dataset ? 1 : 0, message, done: true, datasetId: dataset?.id ?? null, error, errorCode, ...(dataset ? { warnings } : {}) })
    }
    const fail = (error: string) => {
      finish(null, error)
      worker.kill()
    }
    worker.onMessage((m) => {
      if (finished) return
      switch (m.type) {
        case 'ready':
          worker.send({ type: 'start', job })
          return
        case 'progress':
          report({ fraction: m.fraction, message: m.message, done: false, datasetId: null, error: null })
          return
        case 'begin':
          try {
            staged = new StagedDataset(this.db, m.header)
          } catch (err) {
            return fail(`could not store the dataset: ${(err as Error).message}`)
          }
          warnings = m.warnings
          filled = m.filled
          provenance = { roles: m.roles, sources: m.sources }
          return
        case 'array': {
          if (!staged) return fail('could not store the dataset: the data worker sent an array before the header')
          try {
            staged.add(m.array)
          } catch (err) {
            return fail(`could not store the dataset: ${(err as Error).message}`)
          }
          worker.send({ type: 'stored', name: m.array.name })
          const next = staged.expecting
          report({ fraction: READ_SHARE + (1 - READ_SHARE) * (next ? staged.received / staged.total : 1), message: next ? `storing ${next}` : 'storing', done: false, datasetId: null, error: null })
          return
        }
        case 'done':
          if (!staged) return fail('could not store the dataset: the data worker finished without sending it')
          try {
            const { dataset, created } = staged.commit(saveOptions(job, filled, provenance))
            // Versions are content-addressed: the same content under another name is the version
            // already stored, under its own name. Saying so beats a silently ignored new name.
            if (!created) warnings = [...warnings, alreadyStored(dataset)]
            finish(dataset, null)
            this.emit('stored', dataset)
          } catch (err) {
            finish(null, `could not store the dataset: ${(err as Error).message}`)
          }
          return
        case 'cancelled':
          finish(null, `cancelled: ${m.reason}`)
          return
        case 'error':
          // The worker read the job and refused it (a malformed file, a missing column, bad params).
          finish(null, m.message, 'bad_input')
          return
        case 'answer':
          return
      }
    })
    worker.onExit((exit) => finish(null, workerDied(exit)))
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

  /** Answers a heavy read of a stored version in a data worker (the host's loop stays free). */
  query(query: DataQuery): Promise<ColumnHistogram[]> {
    return new Promise((resolve, reject) => {
      const worker = this.launcher.launch('data')
      const kill = () => worker.kill()
      this.kills.add(kill)
      let settled = false
      const settle = (f: () => void) => {
        if (settled) return
        settled = true
        this.kills.delete(kill)
        f()
      }
      worker.onMessage((m) => {
        if (m.type === 'ready') worker.send({ type: 'query', query })
        else if (m.type === 'answer') settle(() => resolve(m.histograms))
        else if (m.type === 'error') settle(() => reject(new Error(m.message)))
      })
      worker.onExit((exit) => settle(() => reject(new Error(workerDied(exit)))))
    })
  }

  shutdown(): void {
    for (const kill of this.kills) kill()
    this.kills.clear()
  }
}

/** What the data worker said about an import's columns and files. */
interface Provenance {
  roles: ColumnRoleEntry[] | null
  /** Files as the dataset names them (paths relative to the common folder). */
  sources: string[] | null
}

/** Provenance of a job's version: generator params, or the import options, files, filling and roles. */
function saveOptions(job: DataJob, filled: FillReport | null, p: Provenance): SaveDatasetOptions {
  if (job.kind === 'generate') return { source: 'generated', generator: job.scenario, params: job.params }
  return {
    source: 'imported',
    params: {
      ...job.options,
      // The rule is always recorded (a bundle's scorer fills missing cells by it), the counts when some were filled.
      missing: job.options.missing ?? DEFAULT_MISSING_RULE,
      ...(filled ? { missingFilled: filled.byColumn } : {}),
      files: p.sources ?? job.files.map((f) => basename(f))
    },
    ...(p.roles ? { roles: p.roles } : {}),
    // Two imports of different data never share a name (the same data is the same version).
    uniqueName: true
  }
}

function workerDied(exit: WorkerExit): string {
  return `data worker ${exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`}${exit.stderrTail ? `: ${exit.stderrTail.split('\n').slice(-2).join(' | ')}` : ''}`
}

function alreadyStored(d: DatasetMeta): string {
  return `the same content is already stored as version ${d.id.slice(0, 12)} '${d.name}' (${d.source}, ${d.createdAt}): no new version was made, and that version keeps its name`
}

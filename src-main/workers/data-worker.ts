/**
 * Data worker entry, one job per process, off the host's thread:
 * - `start`: generate a scenario or import files (600,000 rows take seconds), then stream the
 *   series to the host array by array (`begin`, `array`..., `done`), each array sent once the
 *   host has stored the one before: the host, the only writer of the database, never holds the
 *   whole series, and no array is queued twice in the pipe;
 * - `query`: a heavy read of a stored version (histograms of millions of rows), answered from
 *   the workspace database opened read-only, so the host's event loop stays free.
 * Runs unchanged under utilityProcess.fork and child_process.fork.
 */
import { parentChannel, jobFailure } from './parent-channel'
import type { DataJob, DataQuery, FromDataWorker, ToDataWorker } from './protocol'
import { generateScenario } from '../core/data/scenarios'
import type { LabelledSeries } from '../core/data/series'
import { seriesArrays, seriesHeader } from '../core/data/series-arrays'
import type { ImportReport } from '../core/data/import'
import { CancelledError } from '../core/cancelled'

const channel = parentChannel<ToDataWorker, FromDataWorker>()
let cancelReason: string | null = null
let started = false
let lastProgressAt = 0
/** Share of the progress bar for reading / generating; storing the arrays takes the rest. */
const READ_SHARE = 0.8

function progress(fraction: number, message: string): void {
  const now = Date.now()
  if (now - lastProgressAt < 100 && fraction < 1) return
  lastProgressAt = now
  channel.send({ type: 'progress', fraction, message })
}

/** Resolves when the host has stored the array named (or rejects once the job is cancelled). */
let onStored: ((name: string) => void) | null = null
function stored(name: string): Promise<void> {
  return new Promise((resolve, reject) => {
    onStored = (got) => {
      onStored = null
      if (cancelReason !== null) reject(new CancelledError(cancelReason))
      else if (got !== name) reject(new Error(`the host stored '${got}', expected '${name}'`))
      else resolve()
    }
  })
}

async function produce(job: DataJob): Promise<{ series: LabelledSeries; report: ImportReport | null }> {
  if (job.kind === 'generate') {
    progress(0, `generating ${job.scenario}`)
    return { series: generateScenario(job.scenario, job.params), report: null }
  }
  // The parsers (csv-parse, hyparquet) load only for imports: generation starts faster.
  const { importDataset } = await import('../core/data/import')
  return importDataset(
    job.files,
    job.options,
    (p) => progress(READ_SHARE * (p.bytesTotal > 0 ? p.bytesRead / p.bytesTotal : 0), `${p.file}: ${p.rows.toLocaleString('en-US')} rows`),
    () => cancelReason !== null
  )
}

async function run(job: DataJob): Promise<void> {
  try {
    const { series, report } = await produce(job)
    const rows = series.timestamps.length.toLocaleString('en-US')
    progress(READ_SHARE, `${rows} rows read; storing`)
    channel.send({
      type: 'begin',
      header: seriesHeader(series),
      warnings: report?.warnings ?? [],
      filled: report?.filled ?? null,
      roles: report?.roles ?? null,
      sources: report?.sources ?? null
    })
    for (const array of seriesArrays(series)) {
      if (cancelReason !== null) throw new CancelledError(cancelReason)
      const ack = stored(array.name)
      // A view over a bigger buffer (an import's arrays) would be cloned whole: send an exact copy.
      const { data } = array
      const exact = data.byteOffset === 0 && data.byteLength === data.buffer.byteLength ? data : data.slice()
      channel.send({ type: 'array', array: { ...array, data: exact } })
      await ack
    }
    channel.sendFinal({ type: 'done' })
  } catch (err) {
    channel.sendFinal(jobFailure(err, cancelReason))
  }
}

async function answer(query: DataQuery): Promise<void> {
  try {
    // Loaded on first use: imports and generation never need SQLite here.
    const { openReadonlyDatabase } = await import('../core/store/database')
    const { loadDataset } = await import('../core/store/datasets-repo')
    const { columnHistograms } = await import('../core/data/column-stats')
    const db = openReadonlyDatabase(query.dbFile)
    let series: LabelledSeries
    try {
      series = loadDataset(db, query.datasetId)
    } finally {
      db.close()
    }
    channel.sendFinal({ type: 'answer', histograms: columnHistograms(series, query.bins) })
  } catch (err) {
    const e = err as Error
    channel.sendFinal({ type: 'error', message: e.message, stack: e.stack })
  }
}

channel.onMessage((message) => {
  if (message.type === 'cancel') {
    cancelReason = message.reason
    onStored?.('')
  } else if (message.type === 'stored') onStored?.(message.name)
  else if (message.type === 'start' && !started) {
    started = true
    void run(message.job)
  } else if (message.type === 'query' && !started) {
    started = true
    void answer(message.query)
  }
})
channel.send({ type: 'ready', pid: process.pid })

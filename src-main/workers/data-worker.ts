/**
 * Data worker entry: generates a scenario or imports files, one job per process, off the host's
 * thread (600,000 rows take seconds). Sends the finished series back; the host stores it as a
 * version. Runs unchanged under utilityProcess.fork and child_process.fork.
 */
import { parentChannel } from './parent-channel'
import type { DataJob, FromDataWorker, ToDataWorker } from './protocol'
import { generateScenario } from '../core/data/scenarios'

const channel = parentChannel<ToDataWorker, FromDataWorker>()
let cancelReason: string | null = null
let started = false
let lastProgressAt = 0

function progress(fraction: number, message: string): void {
  const now = Date.now()
  if (now - lastProgressAt < 100 && fraction < 1) return
  lastProgressAt = now
  channel.send({ type: 'progress', fraction, message })
}

async function run(job: DataJob): Promise<void> {
  try {
    let series
    if (job.kind === 'generate') {
      progress(0, `generating ${job.scenario}`)
      series = generateScenario(job.scenario, job.params)
    } else {
      // The parsers (csv-parse, hyparquet) load only for imports: generation starts faster.
      const { importFiles } = await import('../core/data/import')
      series = await importFiles(
        job.files,
        job.options,
        (p) => progress(p.bytesTotal > 0 ? p.bytesRead / p.bytesTotal : 0, `${p.file}: ${p.rows.toLocaleString('en-US')} rows`),
        () => cancelReason !== null
      )
    }
    progress(1, `${series.timestamps.length.toLocaleString('en-US')} rows ready`)
    channel.sendFinal({ type: 'done', series })
  } catch (err) {
    const e = err as Error
    if (cancelReason !== null) channel.sendFinal({ type: 'cancelled', reason: cancelReason })
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

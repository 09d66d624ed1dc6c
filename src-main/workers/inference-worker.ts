/**
 * Inference worker entry: everything that runs ONNX Runtime — exporting a run as a bundle (with
 * the parity check), verifying a bundle, scoring a file or a dataset version — in its own
 * process, one job per process. Runs under utilityProcess.fork and child_process.fork alike.
 */
import { parentChannel } from './parent-channel'
import type { FromInferenceWorker, InferenceJob, InferenceResult, ToInferenceWorker } from './protocol'
import { openReadonlyDatabase } from '../core/store/database'
import { getDatasetMeta, loadDataset } from '../core/store/datasets-repo'
import { missingValuesRecord } from '../core/data/missing-values'
import { readBundle, writeBundle } from '../core/export/bundle'
import { buildBundleContents } from '../core/export/build-bundle'
import { rerunGolden, scoreSeries } from '../core/export/score-bundle'
import { importFiles } from '../core/data/import'
import { serveRequest } from './inference-requests'
import { quietTfjsNotes } from '../core/models/deep/tfjs-runtime'

// Exports and explanations run tfjs on its cpu backend here; its notes would reach the user's terminal.
quietTfjsNotes()
const channel = parentChannel<ToInferenceWorker, FromInferenceWorker>()
let started = false

function progress(fraction: number, message: string): void {
  channel.send({ type: 'progress', fraction, message })
}

async function run(job: InferenceJob): Promise<InferenceResult> {
  switch (job.kind) {
    case 'export': {
      progress(0.05, 'loading the test data for golden inputs')
      const db = openReadonlyDatabase(job.dbFile)
      const { test, missingValues } = (() => {
        try {
          // The scorer fills missing cells by the rule the training data was imported with.
          const trainedOn = getDatasetMeta(db, job.train?.id ?? job.testDatasetId)
          return { test: loadDataset(db, job.testDatasetId), missingValues: missingValuesRecord(trainedOn?.params ?? {}) }
        } finally {
          db.close()
        }
      })()
      progress(0.2, 'exporting to ONNX and checking parity')
      const { contents, parity } = await buildBundleContents({
        run: job.run,
        test,
        dataset: job.dataset,
        train: job.train,
        artifactsDir: job.artifactsDir,
        name: job.name,
        version: job.version,
        missingValues
      })
      progress(0.9, 'writing the bundle')
      const { dir, manifest } = writeBundle(job.parent, { name: job.name, version: job.version, workbenchVersion: job.run.workbenchVersion, runId: job.run.id, datasetHash: job.dataset.id }, contents)
      return { kind: 'export', dir, manifest, parity, onnxBytes: contents.onnx.byteLength }
    }
    case 'verify': {
      const { manifest, contents } = readBundle(job.dir)
      progress(0.5, 'checksums match; rerunning the golden inputs in ONNX Runtime')
      const r = await rerunGolden(contents, job.dir)
      return { kind: 'verify', ok: r.ok, manifest, maxAbsDiff: r.maxAbsDiff }
    }
    case 'score': {
      const { contents } = readBundle(job.dir)
      let series
      // 'keep': scoreSeries fills missing cells by the bundle's rule, not by the import default.
      if (job.file) series = await importFiles([job.file], { missing: 'keep' }, (p) => progress(0.3 * (p.bytesRead / Math.max(1, p.bytesTotal)), `reading ${p.file}`))
      else {
        const db = openReadonlyDatabase(job.dbFile!)
        try {
          series = loadDataset(db, job.datasetId!)
        } finally {
          db.close()
        }
      }
      const s = await scoreSeries(contents, series, { bundleDir: job.dir, onProgress: (done, total) => progress(0.3 + 0.7 * (done / total), `${done}/${total} windows`) })
      const times = new Float64Array(s.starts.length)
      for (let i = 0; i < times.length; i++) times[i] = series.timestamps[s.starts[i] + s.length - 1]
      let labelled = 0
      for (let i = 0; i < series.labels.length; i++) labelled += series.labels[i]
      return {
        kind: 'score',
        threshold: contents.modelConfig.threshold,
        windowLength: s.length,
        starts: s.starts,
        times,
        scores: s.scores,
        labels: s.labels,
        types: s.types,
        typeNames: series.anomalyTypeNames,
        hasLabels: labelled > 0,
        filled: s.filled
      }
    }
  }
}

channel.onMessage((message) => {
  // A warm worker: requests one after another, with the runs' models kept open (inference-requests.ts).
  if (message.type === 'request') return serveRequest(message.id, message.request, (m) => channel.send(m))
  if (message.type !== 'start' || started) return
  started = true
  run(message.job).then(
    (result) => channel.sendFinal({ type: 'done', result }),
    (err: Error) => channel.sendFinal({ type: 'error', message: err.message, stack: err.stack })
  )
})
channel.send({ type: 'ready', pid: process.pid })

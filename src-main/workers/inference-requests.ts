/**
 * What a warm inference worker does with requests (protocol.ts `InferenceRequest`): one at a
 * time, in arrival order, each answered with a `reply` carrying its id. The models of the last
 * few runs stay open between requests — an Isolation Forest decoded from what the run stored, a deep model
 * exported to ONNX once and kept as an ONNX Runtime session — so clicking from one missed window
 * to the next costs a forward pass, not an export.
 */
import type { FromInferenceWorker, InferenceReply, InferenceRequest } from './protocol'
import { openReadonlyDatabase } from '../core/store/database'
import { getRunModel, loadScores } from '../core/store/runs-repo'
import { loadDataset } from '../core/store/datasets-repo'
import { openExplainableRun } from '../core/export/onnx/explainable-run'
import type { ExplainableModel } from '../core/eval/attribution/explainable-model'
import { explainWindow } from '../core/eval/attribution/explain-window'
import { runFeatureImportance } from '../core/eval/attribution/run-importance'

/** Runs whose models stay open (an ONNX session of a seed-sized LSTM is a few MB). */
const MODELS_KEPT = 3

const models = new Map<string, Promise<ExplainableModel>>()

/** The run's model, opened now or kept from an earlier request (most recently used last). */
async function modelOf(req: { dbFile: string; runId: number; artifactsDir: string; segment?: string }): Promise<{ model: ExplainableModel; warm: boolean }> {
  const key = `${req.dbFile}\n${req.runId}\n${req.segment ?? ''}`
  let open = models.get(key)
  const warm = open !== undefined
  if (open) models.delete(key)
  else {
    open = (async () => {
      const db = openReadonlyDatabase(req.dbFile)
      let stored: Record<string, unknown> | null
      try {
        stored = getRunModel(db, req.runId)
      } finally {
        db.close()
      }
      if (!stored) throw new Error(`run ${req.runId} stored no model`)
      return openExplainableRun(stored, { artifactsDir: req.artifactsDir, segment: req.segment })
    })()
    // A failure is not kept: the next request tries again.
    open.catch(() => models.delete(key))
  }
  models.set(key, open)
  while (models.size > MODELS_KEPT) {
    const [oldest, gone] = models.entries().next().value!
    models.delete(oldest)
    void gone.then((m) => m.dispose()).catch(() => {})
  }
  return { model: await open, warm }
}

/** The window's columns in the model's feature order. */
function modelWindow(model: ExplainableModel, window: Float32Array, columns: string[]): Float32Array {
  const F = model.featureNames.length
  const C = columns.length
  const at = model.featureNames.map((name) => {
    const i = columns.indexOf(name)
    if (i < 0) throw new Error(`the dataset has no column '${name}' that the model was trained on (it has: ${columns.join(', ')})`)
    return i
  })
  const T = window.length / C
  if (T !== model.length) throw new Error(`the window holds ${T} rows; the model takes ${model.length}`)
  const out = new Float32Array(T * F)
  for (let t = 0; t < T; t++) for (let f = 0; f < F; f++) out[t * F + f] = window[t * C + at[f]]
  return out
}

async function answer(req: InferenceRequest): Promise<InferenceReply> {
  const started = performance.now()
  const { model, warm } = await modelOf(req)
  if (req.kind === 'explain') {
    const explanation = await explainWindow(model, modelWindow(model, req.window, req.columns))
    return { kind: 'explain', explanation, featureNames: model.featureNames, computeMs: performance.now() - started, warm }
  }
  const db = openReadonlyDatabase(req.dbFile)
  let windows
  try {
    const scores = loadScores(db, req.runId, req.split)
    if (!scores?.starts) throw new Error(`run ${req.runId} has no ${req.split} windows traced to rows`)
    const series = loadDataset(db, req.datasetId)
    const columns = model.featureNames.map((name) => {
      const j = series.columns.indexOf(name)
      if (j < 0) throw new Error(`dataset version ${req.datasetId.slice(0, 12)} has no column '${name}' that the model was trained on`)
      return series.values[j]
    })
    windows = { columns, starts: scores.starts, labels: scores.labels }
  } finally {
    db.close()
  }
  const importance = await runFeatureImportance(model, windows)
  return { kind: 'importance', importance, computeMs: performance.now() - started }
}

let queue: Promise<void> = Promise.resolve()

/** Answers the request after those before it; errors become `ok: false` replies, never a dead worker. */
export function serveRequest(id: number, request: InferenceRequest, send: (m: FromInferenceWorker) => void): void {
  queue = queue.then(() =>
    answer(request).then(
      (reply) => send({ type: 'reply', id, ok: true, reply }),
      (err: Error) => send({ type: 'reply', id, ok: false, message: err.message })
    )
  )
}

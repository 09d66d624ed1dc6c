/**
 * Why a detector scored a window as it did, for the API (contract/explain.ts):
 * - `window`: the raw rows of a stored window and its context, from the dataset version the
 *   scores are traced to (the versions stay loaded in DatasetsService: clicking through errors
 *   reads no SQLite);
 * - `explain`: the per-feature reasons, computed in a warm inference worker that keeps the run's
 *   model open for a few minutes (an Isolation Forest parsed, a deep model exported to ONNX once);
 * - feature importance: computed in a second worker when a run finishes (background work never
 *   queues behind a click, nor a click behind it), stored per run, on demand for older runs.
 * The host's thread only slices rows and stores answers.
 */
import { EventEmitter } from 'node:events'
import { join } from 'node:path'
import { ApiError } from '../contract/api'
import type { Explanation, FeatureImportance, FeatureImportanceState, RunWindow } from '../contract/explain'
import type { ScoreSplit } from '../contract/run-schemas'
import type { Db } from '../core/store/database'
import * as runs from '../core/store/runs-repo'
import { getImportance, saveImportance, saveImportanceFailure, type ImportanceRecord } from '../core/store/importance-repo'
import { segmentsOf, type LabelledSeries, type Segment } from '../core/data/series'
import type { DatasetsService } from './datasets-service'
import type { WorkerLauncher } from './worker-launcher'
import { InferenceServer, WorkerReplyError } from './inference-server'

/** How long the explanation worker keeps a run's model open without a request: a session of error review. */
const EXPLAIN_IDLE_MS = 5 * 60_000
/** The importance worker ends sooner: it serves runs as they finish, seconds apart. */
const IMPORTANCE_IDLE_MS = 30_000
/** Splits' stored scores kept in memory (a 600,000-window split is ~5 MB). */
const SCORES_KEPT = 4

/** A stored window located in its dataset version. */
interface TracedWindow {
  run: runs.RunRecord
  scores: runs.ScoresToStore
  datasetId: string
  series: LabelledSeries
  start: number
  length: number
  segmentIndex: number
  segment: Segment
}

export class ExplainService extends EventEmitter<{ importance: [runId: number] }> {
  private readonly interactive: InferenceServer
  private readonly background: InferenceServer
  private readonly computing = new Map<number, Promise<FeatureImportance>>()
  private readonly scoresCache = new Map<string, runs.ScoresToStore>()

  constructor(
    private readonly db: Db,
    private readonly dbFile: string,
    private readonly artifactsRoot: string,
    launcher: WorkerLauncher,
    private readonly datasets: DatasetsService
  ) {
    super()
    this.interactive = new InferenceServer(launcher, { idleMs: EXPLAIN_IDLE_MS, what: 'explanation' })
    this.background = new InferenceServer(launcher, { idleMs: IMPORTANCE_IDLE_MS, what: 'feature-importance' })
  }

  close(): void {
    this.interactive.close()
    this.background.close()
  }

  window(input: { id: number; split: ScoreSplit; index: number; context?: number }): RunWindow {
    const w = this.trace(input.id, input.split, input.index)
    const { series, start, length, segment } = w
    const context = input.context ?? length
    const from = Math.max(segment.start, start - context)
    const to = Math.min(segment.end, start + length + context)
    const typeCode = w.scores.types?.[input.index] ?? 0
    // Copies (slice): a view would carry its whole version through Electron's structured clone.
    return {
      runId: input.id,
      split: input.split,
      index: input.index,
      datasetId: w.datasetId,
      windowLength: length,
      windowStart: start,
      windowEnd: start + length - 1,
      from,
      to,
      segment: { index: w.segmentIndex, id: segment.id, start: segment.start, end: segment.end },
      timestamps: series.timestamps.slice(from, to),
      columns: series.columns.map((name, j) => ({ name, values: series.values[j].slice(from, to) })),
      labels: series.labels.slice(from, to),
      types: series.anomalyType.slice(from, to),
      typeNames: series.anomalyTypeNames,
      score: w.scores.scores[input.index],
      label: w.scores.labels[input.index],
      type: typeCode > 0 ? (series.anomalyTypeNames[typeCode - 1] ?? null) : null,
      trainedThreshold: w.run.threshold
    }
  }

  async explain(input: { id: number; split: ScoreSplit; index: number }): Promise<Explanation> {
    const w = this.trace(input.id, input.split, input.index)
    const { series, start, length } = w
    // A per-segment run stores margins to each segment model's threshold: explain with that
    // segment's model and report its score as a margin too, as the stored one is.
    const perSegment = w.run.perSegment?.find((s) => s.segment === w.segment.id) ?? null
    const segmentThreshold = w.run.perSegment ? (perSegment?.threshold ?? null) : null
    const C = series.columns.length
    const window = new Float32Array(length * C)
    for (let t = 0; t < length; t++) for (let j = 0; j < C; j++) window[t * C + j] = series.values[j][start + t]
    let reply
    try {
      reply = await this.interactive.request({
        kind: 'explain',
        dbFile: this.dbFile,
        runId: input.id,
        artifactsDir: this.artifactsDir(input.id),
        window,
        columns: series.columns,
        ...(segmentThreshold !== null ? { segment: w.segment.id } : {})
      })
    } catch (err) {
      if (err instanceof WorkerReplyError) throw new ApiError('bad_input', `run ${input.id} cannot be explained: ${err.message}`, 'id')
      throw err
    }
    const e = reply.explanation
    return {
      runId: input.id,
      split: input.split,
      index: input.index,
      modelKind: w.run.modelKind,
      method: e.method,
      methodNote: e.methodNote,
      score: segmentThreshold !== null && e.score !== null ? e.score - segmentThreshold : e.score,
      storedScore: w.scores.scores[input.index],
      trainedThreshold: w.run.threshold,
      features: e.features,
      steps: e.steps ? { length, featureOrder: reply.featureNames, values: e.steps } : null,
      reconstruction: e.reconstruction ? { from: start, columns: reply.featureNames.map((name, f) => ({ name, values: e.reconstruction![f] })) } : null,
      summary: e.summary,
      computeMs: reply.computeMs,
      warm: reply.warm
    }
  }

  /** The run's stored importance and where its computation stands (for `runs.get`). */
  importanceState(run: runs.RunRecord): { featureImportance: FeatureImportance | null; featureImportanceState: FeatureImportanceState } {
    if (run.status !== 'done') {
      return { featureImportance: null, featureImportanceState: { state: 'unavailable', message: `computed once the run finishes (it is ${run.status})` } }
    }
    const stored = getImportance(this.db, run.id)
    const featureImportance = stored?.ok ? contractImportance(stored.importance) : null
    const at = (state: FeatureImportanceState['state'], message: string | null) => ({ featureImportance, featureImportanceState: { state, message } })
    if (this.computing.has(run.id)) return at('computing', 'in an inference worker')
    if (!stored) return at('missing', 'not computed yet (the run finished before feature importance existed, or in another process): runs.featureImportance computes it')
    return stored.ok ? at('ready', null) : at('failed', stored.error)
  }

  /** A finished run's importance: stored, in progress, or computed now in the importance worker. */
  async importance(id: number, recompute = false): Promise<FeatureImportance> {
    const run = runs.getRun(this.db, id)
    if (!run) throw new ApiError('not_found', `run ${id} not found`, 'id')
    if (run.status !== 'done') throw new ApiError('bad_input', `run ${id} is ${run.status}: feature importance is computed once it finishes`, 'id')
    const inFlight = this.computing.get(id)
    if (inFlight) return inFlight
    const stored = recompute ? null : getImportance(this.db, id)
    if (stored?.ok) return contractImportance(stored.importance)
    // Measured on the validation part (never the reported test split), else the training rows.
    const splits = runs.scoreSplits(this.db, id)
    const on = splits.find((s) => s.split === 'validation' && s.traced && s.datasetId) ?? splits.find((s) => s.split === 'train' && s.traced && s.datasetId)
    if (!on) {
      const why = `run ${id} has no validation or training windows traced to rows (its scores were stored before tracing, or it kept none): feature importance needs them`
      saveImportanceFailure(this.db, id, why)
      throw new ApiError('bad_input', why, 'id')
    }
    const split = on.split as ImportanceRecord['split']
    // Registered before the first await: a second caller shares this computation.
    const task = this.background
      .request({ kind: 'importance', dbFile: this.dbFile, runId: id, artifactsDir: this.artifactsDir(id), split, datasetId: on.datasetId! })
      .then(
        (reply) => contractImportance(saveImportance(this.db, id, { ...reply.importance, split, computeMs: reply.computeMs })),
        (err: Error) => {
          // A model that cannot be measured is recorded; a worker that died or was stopped is not (asking again may work).
          if (!(err instanceof WorkerReplyError)) throw err
          saveImportanceFailure(this.db, id, err.message)
          throw new ApiError('bad_input', `feature importance of run ${id} could not be computed: ${err.message}`, 'id')
        }
      )
      .finally(() => {
        this.computing.delete(id)
        this.emit('importance', id)
      })
    this.computing.set(id, task)
    this.emit('importance', id)
    return task
  }

  /** A run reached its final state: a finished one gets its importance computed, in the background. */
  runEnded(id: number): void {
    if (runs.getRun(this.db, id)?.status !== 'done') return
    // The outcome is stored either way (failures as the run's importance state).
    this.importance(id).catch(() => {})
  }

  private artifactsDir(runId: number): string {
    return join(this.artifactsRoot, `run-${runId}`)
  }

  private scoresOf(id: number, split: ScoreSplit): runs.ScoresToStore | null {
    const key = `${id}:${split}`
    const hit = this.scoresCache.get(key)
    if (hit) {
      this.scoresCache.delete(key)
      this.scoresCache.set(key, hit)
      return hit
    }
    // A finished run's scores never change: kept for the next window of the same error list.
    const s = runs.loadScores(this.db, id, split)
    if (s) {
      this.scoresCache.set(key, s)
      while (this.scoresCache.size > SCORES_KEPT) this.scoresCache.delete(this.scoresCache.keys().next().value!)
    }
    return s
  }

  /** Window `index` of the split, located in its dataset version; clear errors for everything that stops it. */
  private trace(id: number, split: ScoreSplit, index: number): TracedWindow {
    const run = runs.getRun(this.db, id)
    if (!run) throw new ApiError('not_found', `run ${id} not found`, 'id')
    const scores = this.scoresOf(id, split)
    if (!scores) {
      const have = runs.scoreSplits(this.db, id).map((s) => s.split)
      throw new ApiError(
        'not_found',
        run.status !== 'done' ? `run ${id} is ${run.status}: its windows are stored when it finishes` : `run ${id} stored no ${split} scores${have.length ? ` (it has: ${have.join(', ')})` : ''}`,
        'split'
      )
    }
    if (!scores.starts || !scores.windowLength) {
      throw new ApiError('bad_input', `run ${id} stored its ${split} scores before scores were traced to rows: its windows cannot be opened (run the experiment again to trace them)`, 'id')
    }
    if (index >= scores.scores.length) {
      throw new ApiError('bad_input', `window ${index} does not exist: the ${split} split of run ${id} has ${scores.scores.length} windows (0 to ${scores.scores.length - 1})`, 'index')
    }
    if (!scores.datasetId) throw new ApiError('bad_input', `run ${id} recorded no dataset version for its ${split} scores`, 'split')
    const series = this.datasets.series(scores.datasetId)
    const start = scores.starts[index]
    const length = scores.windowLength
    const segments = segmentsOf(series)
    const segmentIndex = segmentAt(segments, start)
    const segment = segments[segmentIndex]
    if (start < 0 || start + length > segment.end) {
      throw new ApiError('internal', `run ${id}'s ${split} window ${index} (rows ${start} to ${start + length - 1}) does not lie inside a segment of dataset version ${scores.datasetId.slice(0, 12)}`)
    }
    return { run, scores, datasetId: scores.datasetId, series, start, length, segmentIndex, segment }
  }
}

/** Index of the segment holding `row` (segments are sorted and contiguous). */
function segmentAt(segments: Segment[], row: number): number {
  let lo = 0
  let hi = segments.length - 1
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1
    if (segments[mid].start <= row) lo = mid
    else hi = mid - 1
  }
  return lo
}

function contractImportance(r: ImportanceRecord): FeatureImportance {
  return {
    method: r.method,
    split: r.split,
    metric: r.metric,
    windowsUsed: r.windowsUsed,
    windowsTotal: r.windowsTotal,
    repeats: r.repeats,
    features: r.features,
    note: r.note,
    computedAt: r.computedAt,
    computeMs: r.computeMs
  }
}

/**
 * Row-level results of a run: point-wise metrics at a threshold, and per-row predictions written
 * to CSV or Parquet — both over the stored, traced scores and the dataset version's rows, so they
 * need no retraining and no re-scoring.
 */
import { statSync } from 'node:fs'
import { extname } from 'node:path'
import type { LabelledSeries } from '../core/data/series'
import { segmentsOf } from '../core/data/series'
import { pointMetrics, rowScores, type PointMetrics, type PointRule } from '../core/eval/pointwise'
import { writeCsvTable, writeParquetTable } from '../core/data/table-export'
import { ApiError, type MethodOutput, type RunScores, type ScoreSplit } from '../contract/api'

export interface PredictionSources {
  scores(id: number, split: ScoreSplit): RunScores
  series(datasetId: string): LabelledSeries
  /** The run's threshold in force (chosen, else trained). */
  effectiveThreshold(id: number): number | null
}

export class PredictionsService {
  constructor(private readonly sources: PredictionSources) {}

  pointwise(q: { id: number; split: ScoreSplit; rule: PointRule; threshold?: number }): MethodOutput<'runs.pointwise'> {
    const { s, series, threshold } = this.context(q.id, q.split, q.threshold)
    const m = pointMetrics(rowScores(s.starts!, s.windowLength!, s.scores, q.rule), series.labels, threshold, q.rule)
    return { runId: q.id, split: q.split, ...plain(m) }
  }

  /** The test split's point-wise metrics at the effective threshold, or null (untraced, not finished). */
  detail(id: number): PointMetrics | null {
    try {
      const { s, series, threshold } = this.context(id, 'test')
      return plain(pointMetrics(rowScores(s.starts!, s.windowLength!, s.scores, 'last'), series.labels, threshold, 'last'))
    } catch {
      return null
    }
  }

  async write(q: { id: number; split: ScoreSplit; rule: PointRule; threshold?: number; path: string }): Promise<MethodOutput<'runs.predictions'>> {
    const ext = extname(q.path).toLowerCase()
    const format = ext === '.csv' ? 'csv' : ext === '.parquet' ? 'parquet' : null
    if (!format) throw new ApiError('bad_input', `${q.path}: predictions are written as .csv or .parquet (by the file's extension)`, 'path')
    const { s, series, threshold } = this.context(q.id, q.split, q.threshold)
    const rs = rowScores(s.starts!, s.windowLength!, s.scores, q.rule)
    const n = rs.rows.length
    const segIds = segmentsOf(series)
    const segment: string[] = new Array(n)
    let k = 0
    for (let i = 0; i < n; i++) {
      while (rs.rows[i] >= segIds[k].end) k++
      segment[i] = segIds[k].id
    }
    const flag = new Uint8Array(n)
    let scored = 0
    for (let i = 0; i < n; i++) {
      if (!Number.isNaN(rs.scores[i])) scored++
      flag[i] = rs.scores[i] >= threshold ? 1 : 0
    }
    const table = {
      columns: [
        { name: 'row', values: rs.rows },
        { name: 'timestamp', values: Float64Array.from(rs.rows, (r) => series.timestamps[r]) },
        { name: 'segment', values: segment },
        { name: 'label', values: Uint8Array.from(rs.rows, (r) => series.labels[r]) },
        { name: 'score', values: rs.scores },
        { name: 'flag', values: flag }
      ]
    }
    if (format === 'csv') await writeCsvTable(q.path, table)
    else await writeParquetTable(q.path, table)
    return { path: q.path, format, rows: n, scored, bytes: statSync(q.path).size }
  }

  private context(id: number, split: ScoreSplit, threshold?: number): { s: RunScores; series: LabelledSeries; threshold: number } {
    const s = this.sources.scores(id, split)
    if (!s.starts || s.windowLength === null || !s.datasetId) {
      throw new ApiError('bad_input', `run ${id} stored its ${split} scores before scores were traced to rows: point-wise results need a re-run`, 'id')
    }
    const t = threshold ?? this.sources.effectiveThreshold(id)
    if (t === null) throw new ApiError('bad_input', `run ${id} has no threshold`, 'threshold')
    return { s, series: this.sources.series(s.datasetId), threshold: t }
  }
}

/** Null instead of NaN (JSON transports carry no NaN). */
function plain(m: PointMetrics): PointMetrics {
  const fix = (x: number) => (Number.isFinite(x) ? x : 0)
  return { ...m, precision: fix(m.precision), recall: fix(m.recall), f1: fix(m.f1), fpr: fix(m.fpr), accuracy: fix(m.accuracy), missedAlarmRate: fix(m.missedAlarmRate), falseAlarmRate: fix(m.falseAlarmRate) }
}

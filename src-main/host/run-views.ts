/**
 * A run as the contract shows it: the summary (lists, `run.changed`), the detail (the run page,
 * `runs show`) and a split's stored scores (threshold studio, error lists, predictions), each read
 * from the store and joined with what this process knows live (progress) and what other services
 * compute (point-wise metrics, threshold decisions, feature importance).
 */
import { ApiError, type RunDetail, type RunScores, type RunSummary, type ScoreSplit } from '../contract/api'
import type { Db } from '../core/store/database'
import * as runs from '../core/store/runs-repo'
import { getDatasetMeta } from '../core/store/datasets-repo'
import { getExperiment } from '../core/store/experiments-repo'
import { historyAxisOf } from '../core/models/trainers'
import type { RunProgress } from '../core/store/run-schemas'
import type { AnalysisService } from './analysis-service'
import type { PredictionsService } from './predictions-service'
import type { ExplainService } from './explain-service'

export interface RunViewSources {
  /** Progress of a run this process is running (null otherwise). */
  progress: (id: number) => RunProgress | null
  analysis: () => AnalysisService
  predictions: () => PredictionsService
  explain: () => ExplainService
}

export class RunViews {
  constructor(
    private readonly db: Db,
    private readonly sources: RunViewSources
  ) {}

  summary(r: runs.RunSummaryRecord): RunSummary {
    const metrics = r.metrics as RunSummary['metrics']
    return {
      id: r.id,
      experimentId: r.experimentId,
      experimentName: r.experimentName,
      modelKind: r.modelKind,
      params: r.params,
      status: r.status,
      statusReason: r.statusReason,
      createdAt: r.createdAt,
      startedAt: r.startedAt,
      finishedAt: r.finishedAt,
      durationMs: r.durationMs,
      agent: r.agent,
      metrics,
      targets: r.targets,
      targetsMet: metrics && r.targets.length > 0 ? r.targets.every((t) => t.met) : null,
      progress: r.status === 'running' ? this.sources.progress(r.id) : null
    }
  }

  /**
   * The summary of run `id` read now (its summary columns only: every progress tick sends one),
   * or null when there is no such run.
   */
  summaryOf(id: number): RunSummary | null {
    const r = runs.getRunSummary(this.db, id)
    return r ? this.summary(r) : null
  }

  /** Every run's summary, newest first, without parsing any run's curves or model. */
  list(): RunSummary[] {
    return runs.listRunSummaries(this.db).map((r) => this.summary(r))
  }

  detail(id: number): RunDetail {
    const r = runs.getRun(this.db, id)
    if (!r) throw new ApiError('not_found', `run ${id} not found`)
    const datasets: RunDetail['datasets'] = []
    for (const [role, dsId] of [['train', r.trainDatasetId], ['validation', r.validationDatasetId], ['test', r.testDatasetId]] as const) {
      const meta = dsId ? getDatasetMeta(this.db, dsId) : null
      if (meta) {
        datasets.push({ role, id: meta.id, name: meta.name, rows: meta.rows, columns: meta.columns, anomalyRate: meta.anomalyRate, typeCounts: meta.typeCounts, unlabelled: meta.unlabelled })
      }
    }
    return {
      ...this.summary(r),
      spec: getExperiment(this.db, r.experimentId)?.spec ?? null,
      backend: r.backend,
      threshold: r.threshold,
      confusion: r.confusion,
      trainMetrics: r.trainMetrics as RunDetail['trainMetrics'],
      validationMetrics: r.validationMetrics as RunDetail['validationMetrics'],
      pointMetrics: r.status === 'done' ? this.sources.predictions().detail(id) : null,
      perSegment: r.perSegment as RunDetail['perSegment'],
      partRows: r.partRows,
      datasets,
      epochs: runs.listEpochs(this.db, id),
      historyAxis: historyAxisOf(r.modelKind),
      curves: r.curves as RunDetail['curves'],
      recallByType: r.recallByType,
      logs: runs.listLogs(this.db, id),
      scoreSplits: runs.scoreSplits(this.db, id) as RunDetail['scoreSplits'],
      thresholds: this.sources.analysis().thresholds(id, r.threshold),
      ...this.sources.explain().importanceState(r)
    }
  }

  /** A split's stored scores with the dataset's type names; a clear not_found when absent. */
  scores(id: number, split: ScoreSplit): RunScores {
    const run = runs.getRun(this.db, id)
    if (!run) throw new ApiError('not_found', `run ${id} not found`, 'id')
    const s = runs.loadScores(this.db, id, split)
    if (!s) {
      const have = runs.scoreSplits(this.db, id).map((x) => x.split)
      throw new ApiError(
        'not_found',
        run.status !== 'done'
          ? `run ${id} is ${run.status}: scores are stored when a run finishes`
          : `run ${id} stored no ${split} scores${have.length ? ` (it has: ${have.join(', ')})` : ''}`,
        'split'
      )
    }
    const meta = s.datasetId ? getDatasetMeta(this.db, s.datasetId) : null
    return {
      runId: id,
      split,
      datasetId: s.datasetId,
      count: s.scores.length,
      scores: s.scores,
      labels: s.labels,
      types: s.types,
      typeNames: meta?.typeNames ?? [],
      starts: s.starts,
      windowLength: s.windowLength,
      trainedThreshold: run.threshold
    }
  }
}

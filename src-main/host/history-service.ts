/**
 * Run history and comparison for every front door: the runs list (filter, sort, page, CSV), tags
 * and notes, what a run page links to, and the compare of 2-4 runs with the windows they disagree
 * on. SQL lives in history-repo.ts; the matching of windows in core/eval/disagreements.ts; the
 * metrics at a threshold come from the analysis service (one sweep per stored split, cached).
 */
import type { Db } from '../core/store/database'
import * as runs from '../core/store/runs-repo'
import * as history from '../core/store/history-repo'
import { getTrial, countByStatus } from '../core/store/trials-repo'
import { getDatasetMeta } from '../core/store/datasets-repo'
import { diffParams } from '../core/history/param-diff'
import { runsCsv } from '../core/history/runs-csv'
import { historyAxisOf } from '../core/models/trainers'
import { countDisagreements, findDisagreements, isFlagged, KIND_NAMES, selectDisagreements, type DisagreementTable, type RunWindows } from '../core/eval/disagreements'
import {
  ApiError,
  type BundleInfo,
  type CompareRun,
  type Disagreements,
  type MethodOutput,
  type RunListRow,
  type RunProgress,
  type ThresholdReport,
  type methods
} from '../contract/api'
import type { z } from 'zod'

type In<M extends keyof typeof methods> = z.output<(typeof methods)[M]['input']>

export interface HistorySources {
  /** Live progress of a running run (the run manager's). */
  progress(runId: number): RunProgress | null
  /** Every bundle in the library and the shared folder. */
  bundles(): BundleInfo[]
  /** The run's stored splits' metrics at its current threshold (`runs.threshold` without a threshold). */
  thresholdReport(runId: number): ThresholdReport
}

/** Disagreement tables kept for paging through one compare (each holds a few arrays per disagreement). */
const CACHE_SIZE = 4

export class HistoryService {
  private readonly tables = new Map<string, DisagreementTable>()
  /** The facets read last and the database's change stamp then (they cost a pass over every run's JSON). */
  private facets: { stamp: string; value: history.RunFacets } | null = null
  /**
   * The compared runs' facts of the last compare and the stamp then: paging through its
   * disagreements must not redo every run's metrics at its threshold (a sweep per stored split).
   */
  private compared: { key: string; value: CompareRun[] } | null = null

  constructor(
    private readonly db: Db,
    private readonly sources: HistorySources
  ) {}

  query(q: In<'runs.query'>): MethodOutput<'runs.query'> {
    const { total, rows } = history.queryRuns(this.db, { filter: q.filter, sort: q.sort, offset: q.offset, limit: q.limit })
    return { total, offset: q.offset, rows: rows.map((r) => this.row(r)), facets: q.facets ? this.currentFacets() : null }
  }

  /** What the filters can choose from, read again only when the database changed since. */
  private currentFacets(): history.RunFacets {
    const stamp = history.changeStamp(this.db)
    if (this.facets?.stamp !== stamp) this.facets = { stamp, value: history.runFacets(this.db) }
    return this.facets.value
  }

  csv(q: In<'runs.csv'>): MethodOutput<'runs.csv'> {
    const { rows } = history.queryRuns(this.db, { filter: q.filter, sort: q.sort, offset: 0, limit: null })
    const { csv, columns } = runsCsv(rows)
    return { csv, rows: rows.length, columns }
  }

  annotate(a: In<'runs.annotate'>): MethodOutput<'runs.annotate'> {
    const r = history.setRunAnnotation(this.db, a.id, { tags: a.tags ? [...new Set(a.tags)] : undefined, note: a.note })
    if (!r) throw new ApiError('not_found', `run ${a.id} not found`, 'id')
    return r
  }

  links(id: number): MethodOutput<'runs.links'> {
    const run = runs.getRun(this.db, id)
    if (!run) throw new ApiError('not_found', `run ${id} not found`, 'id')
    const trial = run.trialId != null ? getTrial(this.db, run.trialId) : null
    const datasets: MethodOutput<'runs.links'>['datasets'] = []
    for (const [role, dsId] of [['train', run.trainDatasetId], ['test', run.testDatasetId]] as const) {
      const meta = dsId ? getDatasetMeta(this.db, dsId) : null
      if (meta) datasets.push({ role, id: meta.id, name: meta.name })
    }
    // A bundle names the run id of the workspace it came from: a colleague's bundle in the shared
    // folder can carry the same number, so the dataset version must be this run's too.
    const versions = new Set([run.trainDatasetId, run.testDatasetId].filter((x): x is string => x != null))
    const bundles = this.sources
      .bundles()
      .filter((b) => b.ok && b.runId === id && b.datasetId != null && versions.has(b.datasetId))
      .map((b) => ({ folder: b.folder, dir: b.dir, name: b.name, version: b.version, location: b.location }))
    const note = history.getRunAnnotation(this.db, id)
    return {
      runId: id,
      experiment: { id: run.experimentId, name: run.experimentName },
      trial: trial ? { id: trial.id, ordinal: trial.ordinal, trials: Object.values(countByStatus(this.db, run.experimentId)).reduce((a, b) => a + b, 0) } : null,
      datasets,
      bundles,
      tags: note?.tags ?? [],
      note: note?.note ?? null
    }
  }

  compare(q: In<'runs.compare'>): MethodOutput<'runs.compare'> {
    const records = q.ids.map((id, k) => {
      const r = runs.getRun(this.db, id)
      if (!r) throw new ApiError('not_found', `run ${id} not found`, `ids.${k}`)
      return r
    })
    const rows = new Map(history.listRecords(this.db, q.ids).map((r) => [r.id, r]))
    // Each run's test scores, read once: the page's facts and the disagreement list both use them.
    const scores = records.map((r) => (r.status === 'done' ? runs.loadScores(this.db, r.id, 'test') : null))
    const key = `${q.ids.join(',')}@${history.changeStamp(this.db)}`
    const compared = this.compared?.key === key ? this.compared.value : records.map((r, k) => this.compareRun(r, rows.get(r.id)!, scores[k]))
    this.compared = { key, value: compared }
    const position = (id: number | undefined, field: string): number | undefined => {
      if (id === undefined) return undefined
      const k = q.ids.indexOf(id)
      if (k < 0) throw new ApiError('bad_input', `disagreements.${field}: run ${id} is not one of the compared runs (${q.ids.join(', ')})`, `disagreements.${field}`)
      return k
    }
    const select = {
      kind: q.disagreements.kind === 'all' ? undefined : q.disagreements.kind,
      flaggedBy: position(q.disagreements.flaggedBy, 'flaggedBy'),
      notFlaggedBy: position(q.disagreements.notFlaggedBy, 'notFlaggedBy')
    }
    return {
      runs: compared,
      params: diffParams(records.map((r) => r.params)),
      disagreements: this.disagreements(records, compared, scores, { ...select, offset: q.disagreements.offset, limit: q.disagreements.limit })
    }
  }

  private row(r: history.RunListRecord): RunListRow {
    return {
      ...r,
      targetsMet: r.metrics && r.targets.length > 0 ? r.targets.every((t) => t.met) : null,
      progress: r.status === 'running' ? this.sources.progress(r.id) : null
    }
  }

  private compareRun(r: runs.RunRecord, row: history.RunListRecord, testScores: runs.ScoresToStore | null): CompareRun {
    const report = r.status === 'done' && runs.scoreSplits(this.db, r.id).length > 0 ? this.sources.thresholdReport(r.id) : null
    const split = (name: 'test' | 'validation') => report?.splits.find((s) => s.split === name)?.metrics ?? null
    return {
      id: r.id,
      experimentId: r.experimentId,
      experimentName: r.experimentName,
      modelKind: r.modelKind,
      status: r.status,
      statusReason: r.statusReason,
      params: r.params,
      createdAt: r.createdAt,
      finishedAt: r.finishedAt,
      durationMs: r.durationMs,
      trial: row.trial,
      tags: row.tags,
      note: row.note,
      trainDatasetId: r.trainDatasetId,
      testDatasetId: r.testDatasetId,
      threshold: {
        trained: r.threshold,
        current: report?.threshold ?? r.threshold,
        source: report?.thresholdFrom === 'chosen' ? 'chosen' : 'trained'
      },
      test: split('test'),
      validation: split('validation'),
      recorded: { metrics: r.metrics, confusion: r.confusion, recallByType: r.recallByType },
      targets: r.targets,
      targetsMet: r.metrics && r.targets.length > 0 ? r.targets.every((t) => t.met) : null,
      history: { axis: historyAxisOf(r.modelKind), epochs: runs.listEpochs(this.db, r.id).map((e) => ({ epoch: e.epoch, metrics: e.metrics })) },
      testScores: testScores ? { count: testScores.scores.length, windowLength: testScores.windowLength, traced: testScores.starts != null } : null
    }
  }

  /** Why the runs cannot be compared window by window, or null when they can. */
  private unmatchable(records: runs.RunRecord[], compared: CompareRun[], scores: (runs.ScoresToStore | null)[]): string | null {
    for (const [k, r] of records.entries()) {
      if (r.status !== 'done') return `run ${r.id} is ${r.status}: its scores are stored when it finishes`
      const s = scores[k]
      if (!s) return `run ${r.id} stored no test scores`
      if (!s.starts || s.windowLength == null || !s.datasetId) {
        return `run ${r.id} was stored before scores were traced to rows, so its windows cannot be matched to another run's (run it again to compare window by window)`
      }
      if (compared[k].threshold.current == null) return `run ${r.id} has no threshold`
    }
    const versions = new Set(scores.map((s) => s!.datasetId))
    if (versions.size > 1) {
      const named = records.map((r, k) => {
        const id = scores[k]!.datasetId!
        return `run ${r.id}: ${getDatasetMeta(this.db, id)?.name ?? 'version'} ${id.slice(0, 8)}`
      })
      return `the runs were tested on different dataset versions (${named.join('; ')}): windows of different data cannot be matched. Compare runs tested on one version.`
    }
    return null
  }

  private disagreements(
    records: runs.RunRecord[],
    compared: CompareRun[],
    scores: (runs.ScoresToStore | null)[],
    q: { kind?: (typeof KIND_NAMES)[number]; flaggedBy?: number; notFlaggedBy?: number; offset: number; limit: number }
  ): Disagreements {
    const reason = this.unmatchable(records, compared, scores)
    const none = { all: 0, anomaly: 0, normal: 0, mixed: 0 }
    if (reason) {
      return { available: false, reason, split: 'test', datasetId: null, matchedBy: null, note: null, compared: 0, counts: none, pairs: [], total: 0, offset: q.offset, rows: [] }
    }
    const datasetId = scores[0]!.datasetId!
    const typeNames = getDatasetMeta(this.db, datasetId)?.typeNames ?? []
    const windows: RunWindows[] = scores.map((s, k) => ({
      scores: s!.scores,
      labels: s!.labels,
      types: s!.types,
      typeNames,
      starts: s!.starts!,
      windowLength: s!.windowLength!,
      threshold: compared[k].threshold.current!
    }))
    const table = this.table(records, windows)
    const counts = countDisagreements(table)
    const picked = selectDisagreements(table, q)
    const page = picked.subarray(q.offset, q.offset + q.limit)
    const lengths = records.map((r, k) => `run ${r.id}: ${windows[k].windowLength} row${windows[k].windowLength === 1 ? '' : 's'}`)
    return {
      available: true,
      reason: null,
      split: 'test',
      datasetId,
      matchedBy: table.matchedBy,
      note:
        table.matchedBy === 'same-rows'
          ? `windows of ${windows[0].windowLength} row${windows[0].windowLength === 1 ? '' : 's'}, matched by their rows`
          : `windows of different lengths (${lengths.join(', ')}) are matched by the row they end on; each run keeps its own label for its window`,
      compared: table.compared,
      counts: { all: counts.all, anomaly: counts.anomaly, normal: counts.normal, mixed: counts.mixed },
      pairs: counts.pairs.map((p) => ({ ...p, flaggedBy: records[p.flaggedBy].id, notFlaggedBy: records[p.notFlaggedBy].id })),
      total: picked.length,
      offset: q.offset,
      rows: Array.from(page, (i) => {
        let type: string | null = null
        const ws = windows.map((w, k) => {
          const j = table.windows[k][i]
          const code = w.types?.[j] ?? 0
          if (type === null && code > 0 && w.labels[j]) type = typeNames[code - 1] ?? null
          const score = w.scores[j]
          return {
            runId: records[k].id,
            index: j,
            start: w.starts[j],
            length: w.windowLength,
            score: Number.isFinite(score) ? score : null,
            label: w.labels[j],
            flagged: isFlagged(score, w.threshold)
          }
        })
        return { endRow: table.endRows[i], kind: KIND_NAMES[table.kinds[i]], type, windows: ws }
      })
    }
  }

  /** The disagreement table of these runs at these thresholds, kept while a user pages through it. */
  private table(records: runs.RunRecord[], windows: RunWindows[]): DisagreementTable {
    const key = records.map((r, k) => `${r.id}@${windows[k].threshold}:${r.finishedAt}`).join('|')
    let t = this.tables.get(key)
    if (!t) {
      t = findDisagreements(windows)
      this.tables.set(key, t)
      while (this.tables.size > CACHE_SIZE) this.tables.delete(this.tables.keys().next().value!)
    }
    return t
  }
}

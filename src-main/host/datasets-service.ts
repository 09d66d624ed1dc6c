/**
 * Dataset versions for the API: listing, details with lineage, the editor's views (downsampled
 * windows, labelled ranges, histograms) and label edits saved as child versions. Series are
 * loaded from SQLite on demand and a few are kept in memory: an editor session asks for many
 * windows of the same version.
 *
 * Heavy reads stay off the host's event loop or are bounded: ranges are indexed once per version
 * (typed arrays) and served a page at a time; histograms of a big version are computed by a data
 * worker reading the database itself (seconds for millions of rows, during which the host keeps
 * answering), then kept per (version, bins).
 */
import { mkdirSync, statSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import {
  ApiError,
  type ColumnRole,
  type ColumnRoleEntry,
  type DatasetSummary,
  type DatasetDetail,
  type HistogramSet,
  type ImportOptions,
  type ImportPreview,
  type LabelEdit,
  type LabelLikeColumn,
  type RangePage,
  type SeriesWindow
} from '../contract/api'
import type { Db } from '../core/store/database'
import * as repo from '../core/store/datasets-repo'
import { runIdsUsingDataset } from '../core/store/runs-repo'
import type { LabelledSeries } from '../core/data/series'
import { segmentsOf } from '../core/data/series'
import { contentHash as contentHashOf } from '../core/data/content-hash'
import { downsampleWindow } from '../core/data/downsample'
import { labelRangeIndex, rangePage, type RangeIndex } from '../core/data/label-ranges'
import { columnStats, columnHistograms, type ColumnSummary } from '../core/data/column-stats'
import type { DatasetJobs } from './dataset-jobs'
import { applyLabelEdits, describeEdits } from '../core/data/label-edits'
import { exportCsv } from '../core/data/csv-export'
import { applyRoleChanges, derivedRoles } from '../core/data/column-roles'
import { labelLikeColumns } from '../core/data/import/label-like'
import { previewImport } from '../core/data/import/preview'
import { ImportError } from '../core/data/import/import-error'

const CACHE_SIZE = 3
/**
 * Versions with at most this many cells (rows x columns) get their histograms computed inline:
 * under ~50 ms, less than starting a worker process. Bigger ones go to a data worker.
 */
const INLINE_HISTOGRAM_CELLS = 1_000_000
/** Histogram sets kept (per version and bin count): a set is a few KB. */
const HISTOGRAM_CACHE_SIZE = 32

interface CacheEntry {
  series: LabelledSeries
  stats?: ColumnSummary[]
  ranges?: RangeIndex
  labelLike?: LabelLikeColumn[]
}

/**
 * Where a version's times come from. Imports record their roles: no timestamp role means rows
 * were numbered, by a declared interval or by 1 ms. Versions without roles are generated (real
 * times) or imported before roles were recorded, when rows without times got 1 ms apart.
 */
function timeAxis(m: repo.DatasetMeta): DatasetSummary['timeAxis'] {
  if (m.roles) return m.roles.some((r) => r.role === 'timestamp') ? 'timestamps' : typeof m.params.intervalMs === 'number' ? 'interval' : 'row-index'
  return m.generator === null && m.intervalMs === 1 ? 'row-index' : 'timestamps'
}

/** The version's column roles: recorded at import, or derived from what it stores. */
function rolesOf(m: repo.DatasetMeta): ColumnRoleEntry[] {
  return m.roles ?? derivedRoles({ columns: m.columns, targetNames: m.targetNames, typeNames: m.typeNames, unlabelled: m.unlabelled, segments: m.segments, generator: m.generator })
}

function datasetSummary(m: repo.DatasetMeta): DatasetSummary {
  return {
    id: m.id,
    name: m.name,
    source: m.source,
    generator: m.generator,
    params: m.params,
    parentId: m.parentId,
    rows: m.rows,
    columns: m.columns,
    intervalMs: m.intervalMs,
    anomalyRate: m.anomalyRate,
    labelCount: m.labelCount,
    typeNames: m.typeNames,
    typeCounts: m.typeCounts,
    segmentCount: m.segments?.length ?? 1,
    targetNames: m.targetNames,
    note: m.note,
    unlabelled: m.unlabelled,
    timeAxis: timeAxis(m),
    createdAt: m.createdAt
  }
}

export class DatasetsService {
  private readonly cache = new Map<string, CacheEntry>()
  /** Histograms by `id:bins`, finished or in progress (concurrent askers share one computation). */
  private readonly histogramCache = new Map<string, Promise<HistogramSet>>()

  constructor(
    private readonly db: Db,
    private readonly jobs: DatasetJobs,
    private readonly dbFile: string
  ) {}

  /** The full id of a version named by id or unique prefix, or a not_found error. */
  resolveId(idOrPrefix: string): string {
    const id = repo.resolveDatasetId(this.db, idOrPrefix)
    if (!id) throw new ApiError('not_found', `no dataset version '${idOrPrefix}' in this workspace (or the prefix is ambiguous)`, 'id')
    return id
  }

  list(): DatasetSummary[] {
    return repo.listDatasets(this.db).map(datasetSummary)
  }

  get(idOrPrefix: string): DatasetDetail {
    const id = this.resolveId(idOrPrefix)
    const meta = repo.getDatasetMeta(this.db, id)!
    const entry = this.load(id)
    entry.stats ??= columnStats(entry.series)
    entry.labelLike ??= entry.series.unlabelled ? [] : labelLikeColumns(entry.series)
    const runIds = runIdsUsingDataset(this.db, id)
    return {
      ...datasetSummary(meta),
      lineage: repo.datasetLineage(this.db, id).map(datasetSummary),
      children: repo.datasetChildren(this.db, id).map(datasetSummary),
      segments: segmentsOf(entry.series),
      stats: entry.stats,
      runIds,
      roles: rolesOf(meta),
      rolesRecorded: meta.roles !== null,
      labelLike: entry.labelLike
    }
  }

  series(idOrPrefix: string): LabelledSeries {
    return this.load(this.resolveId(idOrPrefix)).series
  }

  window(req: { id: string; segment: number; from?: number; to?: number; buckets: number; columns?: string[] }): SeriesWindow {
    const series = this.series(req.id)
    const segs = segmentsOf(series)
    const seg = segs[req.segment]
    if (!seg) throw new ApiError('bad_input', `segment ${req.segment} does not exist (the dataset has ${segs.length})`, 'segment')
    const from = Math.max(seg.start, req.from ?? seg.start)
    const to = Math.min(seg.end, req.to ?? seg.end)
    if (to <= from) throw new ApiError('bad_input', `empty row range [${from}, ${to}) in segment ${req.segment} [${seg.start}, ${seg.end})`, 'to')
    try {
      return downsampleWindow(series, { from, to, buckets: req.buckets, columns: req.columns })
    } catch (err) {
      throw new ApiError('bad_input', (err as Error).message, 'columns')
    }
  }

  ranges(req: { id: string; offset: number; limit: number; type?: string | null }): RangePage {
    const entry = this.load(this.resolveId(req.id))
    entry.ranges ??= labelRangeIndex(entry.series)
    return rangePage(entry.series, entry.ranges, req)
  }

  histograms(idOrPrefix: string, bins: number): Promise<HistogramSet> {
    const id = this.resolveId(idOrPrefix)
    const key = `${id}:${bins}`
    let answer = this.histogramCache.get(key)
    if (!answer) {
      const meta = repo.getDatasetMeta(this.db, id)!
      answer =
        meta.rows * meta.columns.length <= INLINE_HISTOGRAM_CELLS
          ? Promise.resolve(columnHistograms(this.load(id).series, bins))
          : this.jobs.query({ kind: 'histograms', dbFile: this.dbFile, datasetId: id, bins })
      // A failure is not kept: the next ask tries again.
      answer.catch(() => this.histogramCache.delete(key))
      this.histogramCache.set(key, answer)
      while (this.histogramCache.size > HISTOGRAM_CACHE_SIZE) this.histogramCache.delete(this.histogramCache.keys().next().value!)
    }
    return answer
  }

  /** Applies the edits and stores a child version; unchanged labels store nothing new. */
  saveLabels(idOrPrefix: string, edits: LabelEdit[], note?: string): { id: string; created: boolean; meta: repo.DatasetMeta } {
    const id = this.resolveId(idOrPrefix)
    const parent = repo.getDatasetMeta(this.db, id)!
    let edited: LabelledSeries
    try {
      edited = applyLabelEdits(this.load(id).series, edits)
    } catch (err) {
      throw new ApiError('bad_input', (err as Error).message, 'edits')
    }
    // Labels drawn on unlabelled data make it labelled: the rows left unmarked are the user's call.
    const firstLabels = parent.unlabelled
    if (firstLabels) delete edited.unlabelled
    const labelName = parent.roles?.some((r) => r.name === 'label') ? 'label (edited)' : 'label'
    const roles = parent.roles && firstLabels ? [...parent.roles, { name: labelName, role: 'label' as const }] : parent.roles
    const before = repo.listDatasets(this.db).length
    const meta = repo.saveDataset(this.db, { ...edited, name: parent.name }, {
      source: 'edited',
      generator: parent.generator ?? undefined,
      params: parent.params,
      parentId: id,
      note: note ?? `${describeEdits(edits)}${firstLabels ? '; first labels of unlabelled data' : ''}`,
      ...(roles ? { roles } : {})
    })
    return { id: meta.id, created: repo.listDatasets(this.db).length > before && meta.id !== id, meta }
  }

  /**
   * Changes column roles and stores the result as a child version (applyRoleChanges says what
   * may change). The child keeps the parent's name and provenance, with the new roles.
   */
  saveRoles(idOrPrefix: string, next: Record<string, ColumnRole>, note?: string): { id: string; created: boolean; meta: repo.DatasetMeta } {
    const id = this.resolveId(idOrPrefix)
    const parent = repo.getDatasetMeta(this.db, id)!
    let changed
    try {
      changed = applyRoleChanges(this.load(id).series, rolesOf(parent), next)
    } catch (err) {
      throw new ApiError('bad_input', (err as Error).message, 'roles')
    }
    const existed = repo.getDatasetMeta(this.db, contentHashOf(changed.series)) !== null
    const meta = repo.saveDataset(this.db, { ...changed.series, name: parent.name }, {
      source: 'edited',
      generator: parent.generator ?? undefined,
      params: parent.params,
      parentId: id,
      note: note ?? changed.note,
      roles: changed.roles
    })
    return { id: meta.id, created: !existed && meta.id !== id, meta }
  }

  /** What importing these (already allowed) paths would do; see core/data/import/preview.ts. */
  async preview(files: string[], options: ImportOptions): Promise<ImportPreview> {
    try {
      return await previewImport(files, options)
    } catch (err) {
      if (err instanceof ImportError) throw new ApiError('bad_input', err.message, 'files')
      throw err
    }
  }

  async export(idOrPrefix: string, path: string): Promise<{ id: string; path: string; rows: number; bytes: number }> {
    const id = this.resolveId(idOrPrefix)
    const target = resolve(path)
    mkdirSync(dirname(target), { recursive: true })
    const r = await exportCsv(this.load(id).series, target)
    return { id, path: target, rows: r.rows, bytes: r.bytes ?? statSync(target).size }
  }

  private load(id: string): CacheEntry {
    const hit = this.cache.get(id)
    if (hit) {
      // Most recently used last: Map keeps insertion order.
      this.cache.delete(id)
      this.cache.set(id, hit)
      return hit
    }
    const entry: CacheEntry = { series: repo.loadDataset(this.db, id) }
    this.cache.set(id, entry)
    while (this.cache.size > CACHE_SIZE) this.cache.delete(this.cache.keys().next().value!)
    return entry
  }
}

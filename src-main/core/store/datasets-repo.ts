/** Dataset versions: immutable rows keyed by content hash, with their arrays as blobs. */
import type { Db } from './database'
import { nowIso } from './database'
import { toBlob, fromBlob } from './arrays'
import type { LabelledSeries, Segment } from '../data/series'
import { anomalyRate, anomalyTypeCounts } from '../data/series'
import { contentHash } from '../data/content-hash'

export interface DatasetMeta {
  id: string
  name: string
  source: 'generated' | 'imported' | 'edited'
  generator: string | null
  params: Record<string, unknown>
  parentId: string | null
  rows: number
  columns: string[]
  intervalMs: number
  anomalyRate: number
  typeNames: string[]
  typeCounts: Record<string, number>
  /** Anomalous points. */
  labelCount: number
  /** Entities or files; null for a single series. */
  segments: Segment[] | null
  /** Extra label columns (e.g. risk horizons). */
  targetNames: string[]
  /** What made this version, e.g. `relabelled 2 ranges`. */
  note: string | null
  createdAt: string
}

interface DatasetRow {
  id: string
  name: string
  source: DatasetMeta['source']
  generator: string | null
  params: string
  parent_id: string | null
  rows: number
  columns: string
  interval_ms: number
  anomaly_rate: number
  type_names: string
  type_counts: string
  label_count: number | null
  segments: string | null
  target_names: string | null
  note: string | null
  created_at: string
}

function toMeta(r: DatasetRow): DatasetMeta {
  return {
    id: r.id,
    name: r.name,
    source: r.source,
    generator: r.generator,
    params: JSON.parse(r.params),
    parentId: r.parent_id,
    rows: r.rows,
    columns: JSON.parse(r.columns),
    intervalMs: r.interval_ms,
    anomalyRate: r.anomaly_rate,
    typeNames: JSON.parse(r.type_names),
    typeCounts: JSON.parse(r.type_counts),
    labelCount: r.label_count ?? Math.round(r.anomaly_rate * r.rows),
    segments: r.segments ? JSON.parse(r.segments) : null,
    targetNames: r.target_names ? JSON.parse(r.target_names) : [],
    note: r.note,
    createdAt: r.created_at
  }
}

export interface SaveDatasetOptions {
  source: DatasetMeta['source']
  generator?: string
  params?: Record<string, unknown>
  parentId?: string
  note?: string
}

/**
 * Stores a version unless the same content is already there (versions are immutable, so an
 * existing row is never rewritten). Returns its metadata; all of it lands in one transaction.
 */
export function saveDataset(db: Db, series: LabelledSeries, opts: SaveDatasetOptions): DatasetMeta {
  const id = contentHash(series)
  const existing = getDatasetMeta(db, id)
  if (existing) return existing
  db.transaction(() => {
    db.prepare(
      `INSERT INTO datasets (id, name, source, generator, params, parent_id, rows, columns, interval_ms,
         anomaly_rate, type_names, type_counts, label_count, segments, target_names, note, created_at)
       VALUES (@id, @name, @source, @generator, @params, @parent_id, @rows, @columns, @interval_ms,
         @anomaly_rate, @type_names, @type_counts, @label_count, @segments, @target_names, @note, @created_at)`
    ).run({
      id,
      name: series.name,
      source: opts.source,
      generator: opts.generator ?? null,
      params: JSON.stringify(opts.params ?? {}),
      parent_id: opts.parentId ?? null,
      rows: series.timestamps.length,
      columns: JSON.stringify(series.columns),
      interval_ms: series.intervalMs,
      anomaly_rate: anomalyRate(series),
      type_names: JSON.stringify(series.anomalyTypeNames),
      type_counts: JSON.stringify(anomalyTypeCounts(series)),
      label_count: series.labels.reduce((a, b) => a + b, 0),
      segments: series.segments && series.segments.length > 0 ? JSON.stringify(series.segments) : null,
      target_names: series.targets ? JSON.stringify(Object.keys(series.targets)) : null,
      note: opts.note ?? null,
      created_at: nowIso()
    })
    const insert = db.prepare('INSERT INTO dataset_arrays (dataset_id, name, dtype, data) VALUES (?, ?, ?, ?)')
    insert.run(id, 'timestamps', 'f64', toBlob(series.timestamps))
    insert.run(id, 'labels', 'u8', toBlob(series.labels))
    insert.run(id, 'types', 'u8', toBlob(series.anomalyType))
    series.columns.forEach((name, j) => insert.run(id, `col:${name}`, 'f32', toBlob(series.values[j])))
    for (const [name, t] of Object.entries(series.targets ?? {})) insert.run(id, `target:${name}`, 'u8', toBlob(t))
  })()
  return getDatasetMeta(db, id)!
}

export function getDatasetMeta(db: Db, id: string): DatasetMeta | null {
  const r = db.prepare('SELECT * FROM datasets WHERE id = ?').get(id) as DatasetRow | undefined
  return r ? toMeta(r) : null
}

export function listDatasets(db: Db): DatasetMeta[] {
  return (db.prepare('SELECT * FROM datasets ORDER BY created_at DESC').all() as DatasetRow[]).map(toMeta)
}

export function loadDataset(db: Db, id: string): LabelledSeries {
  const meta = getDatasetMeta(db, id)
  if (!meta) throw new Error(`dataset ${id} not found`)
  const arrays = new Map<string, Buffer>()
  for (const r of db.prepare('SELECT name, data FROM dataset_arrays WHERE dataset_id = ?').all(id) as {
    name: string
    data: Buffer
  }[]) {
    arrays.set(r.name, r.data)
  }
  const need = (name: string): Buffer => {
    const b = arrays.get(name)
    if (!b) throw new Error(`dataset ${id} is missing its '${name}' array`)
    return b
  }
  return {
    name: meta.name,
    intervalMs: meta.intervalMs,
    timestamps: fromBlob.f64(need('timestamps')),
    columns: meta.columns,
    values: meta.columns.map((c) => fromBlob.f32(need(`col:${c}`))),
    labels: fromBlob.u8(need('labels')),
    anomalyTypeNames: meta.typeNames,
    anomalyType: fromBlob.u8(need('types')),
    ...(meta.segments ? { segments: meta.segments } : {}),
    ...(meta.targetNames.length > 0 ? { targets: Object.fromEntries(meta.targetNames.map((t) => [t, fromBlob.u8(need(`target:${t}`))])) } : {})
  }
}

/** The version's ancestors, nearest first (its lineage back to the generated or imported root). */
export function datasetLineage(db: Db, id: string): DatasetMeta[] {
  const out: DatasetMeta[] = []
  let cur = getDatasetMeta(db, id)
  while (cur?.parentId) {
    const parent = getDatasetMeta(db, cur.parentId)
    if (!parent || out.some((p) => p.id === parent.id)) break
    out.push(parent)
    cur = parent
  }
  return out
}

export function datasetChildren(db: Db, id: string): DatasetMeta[] {
  return (db.prepare('SELECT * FROM datasets WHERE parent_id = ? ORDER BY created_at').all(id) as DatasetRow[]).map(toMeta)
}

/** Resolves a full id or a unique prefix (as users type them from `datasets list`). */
export function resolveDatasetId(db: Db, idOrPrefix: string): string | null {
  if (!/^[0-9a-f]{4,64}$/.test(idOrPrefix)) return null
  const rows = db.prepare("SELECT id FROM datasets WHERE id LIKE ? || '%' LIMIT 2").pluck().all(idOrPrefix) as string[]
  return rows.length === 1 ? rows[0] : null
}

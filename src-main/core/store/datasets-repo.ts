/** Dataset versions: immutable rows keyed by content hash, with their arrays as blobs. */
import type { Db } from './database'
import { nowIso } from './database'
import { toBlob, fromBlob } from './arrays'
import type { LabelledSeries } from '../data/series'
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
    createdAt: r.created_at
  }
}

export interface SaveDatasetOptions {
  source: DatasetMeta['source']
  generator?: string
  params?: Record<string, unknown>
  parentId?: string
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
         anomaly_rate, type_names, type_counts, created_at)
       VALUES (@id, @name, @source, @generator, @params, @parent_id, @rows, @columns, @interval_ms,
         @anomaly_rate, @type_names, @type_counts, @created_at)`
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
      created_at: nowIso()
    })
    const insert = db.prepare('INSERT INTO dataset_arrays (dataset_id, name, dtype, data) VALUES (?, ?, ?, ?)')
    insert.run(id, 'timestamps', 'f64', toBlob(series.timestamps))
    insert.run(id, 'labels', 'u8', toBlob(series.labels))
    insert.run(id, 'types', 'u8', toBlob(series.anomalyType))
    series.columns.forEach((name, j) => insert.run(id, `col:${name}`, 'f32', toBlob(series.values[j])))
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
    anomalyType: fromBlob.u8(need('types'))
  }
}

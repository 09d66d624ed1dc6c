/** Dataset versions: immutable rows keyed by content hash, with their arrays as blobs. */
import type { Db } from './database'
import { nowIso, writeTransaction } from './database'
import { fromBlob } from './arrays'
import type { LabelledSeries, Segment } from '../data/series'
import { anomalyRate, anomalyTypeCounts } from '../data/series'
import { contentHash, ContentHasher } from '../data/content-hash'
import { arrayLayout, seriesArrays, seriesHeader, type SeriesArray, type SeriesHeader } from '../data/series-arrays'
import type { ColumnRoleEntry } from '../data/import/options'
import { DATASET_ID_PATTERN } from '../data/dataset-id'

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
  /** Every column of the source files and its role, in file order; null when not recorded (generated data, older imports). */
  roles: ColumnRoleEntry[] | null
  /** The data came without labels: its labels are all 0 and mean "unknown". */
  unlabelled: boolean
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
  column_roles: string | null
  unlabelled: number | null
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
    roles: r.column_roles ? JSON.parse(r.column_roles) : null,
    unlabelled: r.unlabelled === 1,
    createdAt: r.created_at
  }
}

export interface SaveDatasetOptions {
  source: DatasetMeta['source']
  generator?: string
  params?: Record<string, unknown>
  parentId?: string
  note?: string
  /** The columns' roles (imports, role edits). */
  roles?: ColumnRoleEntry[]
  /**
   * Store under a name no other version has (`name (2)`, `name (3)`...): two imports of different
   * data never share a name. Child versions keep their parent's name and leave this off.
   */
  uniqueName?: boolean
}

/**
 * Stores a version unless the same content is already there (versions are immutable, so an
 * existing row is never rewritten). Returns its metadata; all of it lands in one transaction.
 */
export function saveDataset(db: Db, series: LabelledSeries, opts: SaveDatasetOptions): DatasetMeta {
  const id = contentHash(series)
  const existing = getDatasetMeta(db, id)
  if (existing) return existing
  // Checked again under the write lock: another process may have stored the same content since.
  writeTransaction(db, () => {
    if (getDatasetMeta(db, id)) return
    insertDatasetRow(db, id, named(db, seriesHeader(series), opts), series, opts)
    const insert = db.prepare('INSERT INTO dataset_arrays (dataset_id, name, dtype, data) VALUES (?, ?, ?, ?)')
    for (const a of seriesArrays(series)) insert.run(id, a.name, a.dtype, blobView(a.data))
  })
  return getDatasetMeta(db, id)!
}

/**
 * The array's bytes as a Buffer over the same memory: better-sqlite3 copies a bound blob during
 * the (synchronous) statement, so a second copy of a 100 MB column is never needed.
 */
function blobView(a: ArrayBufferView): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength)
}

/** The header under the name it will be stored with (a free one when `uniqueName`). */
function named(db: Db, header: SeriesHeader, opts: SaveDatasetOptions): SeriesHeader {
  return opts.uniqueName ? { ...header, name: freeName(db, header.name) } : header
}

/**
 * `name` when no version has it, else the first free `name (k)`, k >= 2. Asked inside the write
 * transaction that inserts, so two imports never both take the same free name.
 */
export function freeName(db: Db, name: string): string {
  // LIKE only narrows the candidates (it ignores ASCII case); the Set decides exactly.
  const prefix = `${name} (`.replace(/[\\%_]/g, (c) => `\\${c}`)
  const taken = new Set(db.prepare("SELECT name FROM datasets WHERE name = ? OR name LIKE ? ESCAPE '\\'").pluck().all(name, `${prefix}%`) as string[])
  if (!taken.has(name)) return name
  let k = 2
  while (taken.has(`${name} (${k})`)) k++
  return `${name} (${k})`
}

function insertDatasetRow(
  db: Db,
  id: string,
  header: SeriesHeader,
  labelled: Pick<LabelledSeries, 'labels' | 'anomalyType' | 'anomalyTypeNames'>,
  opts: SaveDatasetOptions
): void {
  db.prepare(
    `INSERT INTO datasets (id, name, source, generator, params, parent_id, rows, columns, interval_ms,
       anomaly_rate, type_names, type_counts, label_count, segments, target_names, note, column_roles, unlabelled, created_at)
     VALUES (@id, @name, @source, @generator, @params, @parent_id, @rows, @columns, @interval_ms,
       @anomaly_rate, @type_names, @type_counts, @label_count, @segments, @target_names, @note, @column_roles, @unlabelled, @created_at)`
  ).run({
    id,
    name: header.name,
    source: opts.source,
    generator: opts.generator ?? null,
    params: JSON.stringify(opts.params ?? {}),
    parent_id: opts.parentId ?? null,
    rows: header.rows,
    columns: JSON.stringify(header.columns),
    interval_ms: header.intervalMs,
    anomaly_rate: anomalyRate(labelled),
    type_names: JSON.stringify(header.anomalyTypeNames),
    type_counts: JSON.stringify(anomalyTypeCounts(labelled)),
    label_count: labelled.labels.reduce((a, b) => a + b, 0),
    segments: header.segments && header.segments.length > 0 ? JSON.stringify(header.segments) : null,
    target_names: header.targetNames ? JSON.stringify(header.targetNames) : null,
    note: opts.note ?? null,
    column_roles: opts.roles ? JSON.stringify(opts.roles) : null,
    unlabelled: header.unlabelled ? 1 : 0,
    created_at: nowIso()
  })
}

/**
 * A version written one array at a time (a big import streams its arrays from the data worker,
 * so the host never holds the whole series). The arrays wait in a TEMP table of this connection:
 * invisible to every other connection and gone with the connection if the process dies. `commit`
 * moves them into dataset_arrays with the datasets row in one transaction, so nothing
 * half-imported is ever visible; `discard` drops them. Arrays must come in the canonical order
 * (series-arrays.ts), each with the header's row count: the id is their content hash.
 */
export class StagedDataset {
  private static next = 0
  private readonly stage = `${process.pid}-${++StagedDataset.next}`
  private readonly layout: { name: string; dtype: string }[]
  private readonly hasher: ContentHasher
  private received_ = 0
  readonly total: number
  private labels: Uint8Array | null = null
  private types: Uint8Array | null = null
  private closed = false

  constructor(
    private readonly db: Db,
    readonly header: SeriesHeader
  ) {
    this.layout = arrayLayout(header)
    this.total = this.layout.length
    this.hasher = new ContentHasher(header)
    db.exec(
      `CREATE TEMP TABLE IF NOT EXISTS staged_arrays (
         stage TEXT NOT NULL, name TEXT NOT NULL, dtype TEXT NOT NULL, data BLOB NOT NULL, PRIMARY KEY (stage, name))`
    )
  }

  /** Arrays stored so far, of `total`. */
  get received(): number {
    return this.received_
  }

  /** Name of the array expected next, or null when all have arrived. */
  get expecting(): string | null {
    return this.layout[this.received_]?.name ?? null
  }

  add(a: SeriesArray): void {
    const want = this.layout[this.received_]
    if (this.closed) throw new Error('this staged dataset is already committed or discarded')
    if (!want || a.name !== want.name || a.dtype !== want.dtype) {
      throw new Error(`expected array ${want ? `'${want.name}' (${want.dtype})` : 'none'}, got '${a.name}' (${a.dtype})`)
    }
    if (a.data.length !== this.header.rows) throw new Error(`array '${a.name}' has ${a.data.length} values for ${this.header.rows} rows`)
    this.hasher.update(a.data)
    if (a.name === 'labels') this.labels = a.data as Uint8Array
    if (a.name === 'types') this.types = a.data as Uint8Array
    this.db.prepare('INSERT INTO temp.staged_arrays (stage, name, dtype, data) VALUES (?, ?, ?, ?)').run(this.stage, a.name, a.dtype, blobView(a.data))
    this.received_++
  }

  /**
   * Publishes the version (or finds the same content already stored) in one transaction.
   * `created` is false when that content was stored before: versions are content-addressed, so
   * the stored one keeps its name and provenance, and the caller must say so to the user.
   */
  commit(opts: SaveDatasetOptions): { dataset: DatasetMeta; created: boolean } {
    if (this.expecting !== null) throw new Error(`the dataset is incomplete: array '${this.expecting}' has not arrived`)
    const id = this.hasher.digest()
    let created = false
    writeTransaction(this.db, () => {
      created = !getDatasetMeta(this.db, id)
      if (created) {
        insertDatasetRow(this.db, id, named(this.db, this.header, opts), { labels: this.labels!, anomalyType: this.types!, anomalyTypeNames: this.header.anomalyTypeNames }, opts)
        this.db
          .prepare('INSERT INTO dataset_arrays (dataset_id, name, dtype, data) SELECT ?, name, dtype, data FROM temp.staged_arrays WHERE stage = ?')
          .run(id, this.stage)
      }
      this.discard()
    })
    return { dataset: getDatasetMeta(this.db, id)!, created }
  }

  /** Drops whatever arrived (a failed or cancelled job); safe to call more than once. */
  discard(): void {
    if (this.closed) return
    this.db.prepare('DELETE FROM temp.staged_arrays WHERE stage = ?').run(this.stage)
    this.closed = true
    this.labels = this.types = null
  }
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
    ...(meta.targetNames.length > 0 ? { targets: Object.fromEntries(meta.targetNames.map((t) => [t, fromBlob.u8(need(`target:${t}`))])) } : {}),
    ...(meta.unlabelled ? { unlabelled: true } : {})
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
  if (!DATASET_ID_PATTERN.test(idOrPrefix)) return null
  const rows = db.prepare("SELECT id FROM datasets WHERE id LIKE ? || '%' LIMIT 2").pluck().all(idOrPrefix) as string[]
  return rows.length === 1 ? rows[0] : null
}

/**
 * A trained model's record (`results.model`) as `runs.model` keeps it: JSON, except its typed
 * arrays (an Isolation Forest's trees, core/models/iforest-codec.ts), which go to `model_blobs`
 * by content hash and stand in the JSON as `{"$blob": hash, "type": "Uint8Array"}`. Identical
 * arrays are stored once: a search over the threshold alone (contamination) grows the same
 * forest in every trial. Blobs are never removed, as runs that finished are never removed.
 */
import { createHash } from 'node:crypto'
import type { Db } from './database'
import { stmt } from './database'
import { fromBlob, toBlob } from './arrays'

const readers = {
  Uint8Array: fromBlob.u8,
  Int32Array: fromBlob.i32,
  Float32Array: fromBlob.f32,
  Float64Array: fromBlob.f64
}
type StoredType = keyof typeof readers
type Stored = Uint8Array | Int32Array | Float32Array | Float64Array

interface BlobRef {
  $blob: string
  type: StoredType
}

function isRef(v: unknown): v is BlobRef {
  return typeof v === 'object' && v !== null && typeof (v as BlobRef).$blob === 'string' && (v as BlobRef).type in readers
}

/**
 * The model record as JSON for `runs.model`, its typed arrays written to `model_blobs`. Runs in
 * the caller's write transaction (recordRunOutcome), so a run never refers to a blob not written.
 */
export function modelToStore(db: Db, model: unknown): string {
  return JSON.stringify(model, function (this: Record<string, unknown>, key: string, value: unknown) {
    // The holder's own value: a Buffer's toJSON has already turned `value` into plain numbers.
    const raw = this[key]
    if (!ArrayBuffer.isView(raw)) return value
    const type = (raw as Stored).constructor.name === 'Buffer' ? 'Uint8Array' : (raw.constructor.name as StoredType)
    if (!(type in readers)) throw new Error(`a model's ${raw.constructor.name} cannot be stored (typed arrays of ${Object.keys(readers).join(', ')} can)`)
    const bytes = toBlob(raw as Stored)
    const hash = createHash('sha256').update(bytes).digest('hex')
    stmt(db, 'INSERT OR IGNORE INTO model_blobs (hash, bytes) VALUES (?, ?)').run(hash, bytes)
    return { $blob: hash, type } satisfies BlobRef
  })
}

/** The model record `runs.model` holds, its typed arrays read back from `model_blobs`. */
export function modelFromStore(db: Db, json: string): Record<string, unknown> {
  return JSON.parse(json, (_key, value: unknown) => {
    if (!isRef(value)) return value
    const bytes = stmt(db, 'SELECT bytes FROM model_blobs WHERE hash = ?').pluck().get(value.$blob) as Buffer | undefined
    if (!bytes) throw new Error(`the model refers to blob ${value.$blob.slice(0, 12)}, which the workspace does not hold`)
    return readers[value.type](bytes)
  }) as Record<string, unknown>
}

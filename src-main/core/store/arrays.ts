/** Typed arrays <-> SQLite blobs. Copies, so a blob never aliases a buffer that changes later. */
import { deflateRawSync, inflateRawSync } from 'node:zlib'

export function toBlob(a: Float32Array | Float64Array | Uint8Array | Int32Array): Buffer {
  return Buffer.from(a.buffer.slice(a.byteOffset, a.byteOffset + a.byteLength))
}

function aligned(buf: Buffer): ArrayBuffer {
  return buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer
}

export const fromBlob = {
  f32: (b: Buffer) => new Float32Array(aligned(b)),
  f64: (b: Buffer) => new Float64Array(aligned(b)),
  u8: (b: Buffer) => new Uint8Array(aligned(b)),
  i32: (b: Buffer) => new Int32Array(aligned(b))
}

/**
 * Deflated blobs for arrays that compress well: labels and anomaly types (long runs of zeros),
 * and row indexes that mostly step by a constant (each window's first row), stored as deltas.
 */
export const packedBlob = {
  u8: (a: Uint8Array): Buffer => deflateRawSync(a),
  i32Steps: (a: Int32Array): Buffer => {
    // Int32 arithmetic wraps the same way both ways: the deltas of any Int32Array restore it exactly.
    const d = new Int32Array(a.length)
    for (let i = 0; i < a.length; i++) d[i] = a[i] - (i > 0 ? a[i - 1] : 0)
    return deflateRawSync(toBlob(d))
  }
}

export const fromPackedBlob = {
  u8: (b: Buffer): Uint8Array => fromBlob.u8(inflateRawSync(b)),
  i32Steps: (b: Buffer): Int32Array => {
    const a = fromBlob.i32(inflateRawSync(b))
    for (let i = 1; i < a.length; i++) a[i] += a[i - 1]
    return a
  }
}

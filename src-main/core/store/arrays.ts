/** Typed arrays <-> SQLite blobs. Copies, so a blob never aliases a buffer that changes later. */

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

/**
 * Frames on the WebSocket front door (`/api`). The Electron bridge carries the same call / event
 * pair over ipcRenderer.invoke / webContents.send, so only the web transport needs framing.
 */
import { z } from 'zod'
import type { ApiErrorShape } from './api'

export const clientFrameSchema = z.object({
  type: z.literal('call'),
  id: z.number().int(),
  method: z.string(),
  input: z.unknown()
})
export type ClientFrame = z.infer<typeof clientFrameSchema>

export type ServerFrame =
  | { type: 'result'; id: number; ok: true; output: unknown }
  | { type: 'result'; id: number; ok: false; error: ApiErrorShape }
  | { type: 'event'; event: string; payload: unknown }
  /** A frame that could not be answered as a call because it has no readable `id`. */
  | { type: 'error'; error: ApiErrorShape }

/**
 * A received frame: a call, or why it is not one, with its `id` when that much is readable so
 * the caller's promise can still be settled.
 */
export type ParsedClientFrame = { ok: true; frame: ClientFrame } | { ok: false; id: number | null; message: string }

export function parseClientFrame(text: string): ParsedClientFrame {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (err) {
    return { ok: false, id: null, message: `bad frame: not JSON (${(err as Error).message})` }
  }
  const parsed = clientFrameSchema.safeParse(value)
  if (parsed.success) return { ok: true, frame: parsed.data }
  const id = clientFrameSchema.shape.id.safeParse(typeof value === 'object' && value !== null ? (value as { id?: unknown }).id : undefined)
  return { ok: false, id: id.success ? id.data : null, message: `bad frame: ${z.prettifyError(parsed.error)}` }
}

// ---------------------------------------------------------------------------------------------
// Typed arrays in JSON. Scores, labels and row indices travel as typed arrays (600,000 scores are
// 2.4 MB as bytes, ~10 MB as a JSON number list, and slow to parse): each is written as
// `{ "$typed": "Float32Array", "base64": "…" }` and read back as the same typed array. Electron's
// IPC carries them natively (structured clone); only the JSON transports need this.

const TYPED = {
  Float32Array,
  Float64Array,
  Int32Array,
  Uint32Array,
  Int16Array,
  Uint16Array,
  Int8Array,
  Uint8Array
} as const
type TypedName = keyof typeof TYPED

interface TypedJson {
  $typed: TypedName
  base64: string
}

/** Node's Buffer where there is one (fast base64); this module also runs in the browser. */
interface BufferLike {
  from(data: ArrayBufferLike | string, offsetOrEncoding?: number | string, length?: number): Uint8Array & { toString(encoding: string): string }
}
const NodeBuffer = (globalThis as { Buffer?: BufferLike }).Buffer

function toBase64(bytes: Uint8Array): string {
  if (NodeBuffer) return NodeBuffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64')
  let binary = ''
  const CHUNK = 0x8000
  for (let i = 0; i < bytes.length; i += CHUNK) binary += String.fromCharCode(...bytes.subarray(i, i + CHUNK))
  return btoa(binary)
}

function fromBase64(text: string): ArrayBuffer {
  if (NodeBuffer) {
    const b = NodeBuffer.from(text, 'base64')
    return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer
  }
  const binary = atob(text)
  const out = new Uint8Array(binary.length)
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i)
  return out.buffer
}

/** JSON.stringify replacer: typed arrays become `{ $typed, base64 }`. */
export function wireReplacer(_key: string, value: unknown): unknown {
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    const name = value.constructor.name as TypedName
    if (name in TYPED) return { $typed: name, base64: toBase64(new Uint8Array(value.buffer, value.byteOffset, value.byteLength)) } satisfies TypedJson
  }
  return value
}

/** JSON.parse reviver: `{ $typed, base64 }` objects become typed arrays again. */
export function wireReviver(_key: string, value: unknown): unknown {
  if (value !== null && typeof value === 'object' && typeof (value as TypedJson).$typed === 'string' && typeof (value as TypedJson).base64 === 'string') {
    const Ctor = TYPED[(value as TypedJson).$typed]
    if (Ctor) return new Ctor(fromBase64((value as TypedJson).base64))
  }
  return value
}

/** A frame or body as JSON text, typed arrays included. */
export function toWireJson(value: unknown): string {
  return JSON.stringify(value, wireReplacer)
}

/** JSON text from the wire, typed arrays restored. */
export function fromWireJson(text: string): unknown {
  return JSON.parse(text, wireReviver)
}

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

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

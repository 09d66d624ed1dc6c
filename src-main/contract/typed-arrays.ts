/**
 * Schemas of the typed arrays that cross every front door as typed arrays (wire.ts encodes them
 * for the JSON transports; Electron's IPC clones them). Shared by the contract modules, apart
 * from `api.ts` so that modules it gathers can use them without an import cycle.
 */
import { z } from 'zod'

export const float32Array = z.custom<Float32Array>((v) => v instanceof Float32Array, 'a Float32Array')
export const float64Array = z.custom<Float64Array>((v) => v instanceof Float64Array, 'a Float64Array')
export const uint8Array = z.custom<Uint8Array>((v) => v instanceof Uint8Array, 'a Uint8Array')
export const int32Array = z.custom<Int32Array>((v) => v instanceof Int32Array, 'an Int32Array')

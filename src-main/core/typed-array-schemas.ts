/**
 * Schemas of typed arrays, for data that crosses a process boundary as typed arrays: structured
 * clone keeps them (the worker protocol, Electron's IPC) and the contract's wire.ts encodes them
 * for JSON transports. A check of the type only: the arrays are never copied or walked.
 */
import { z } from 'zod'

export const float32Array = z.custom<Float32Array>((v) => v instanceof Float32Array, 'a Float32Array')
export const float64Array = z.custom<Float64Array>((v) => v instanceof Float64Array, 'a Float64Array')
export const uint8Array = z.custom<Uint8Array>((v) => v instanceof Uint8Array, 'a Uint8Array')
export const int32Array = z.custom<Int32Array>((v) => v instanceof Int32Array, 'an Int32Array')

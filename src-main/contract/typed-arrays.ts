/**
 * Schemas of the typed arrays that cross every front door as typed arrays (wire.ts encodes them
 * for the JSON transports; Electron's IPC clones them). Declared in core (the worker protocol
 * checks them too); kept as a leaf module of the contract so that the modules `api.ts` gathers
 * can use them without an import cycle.
 */
export { float32Array, float64Array, uint8Array, int32Array } from '../core/typed-array-schemas'

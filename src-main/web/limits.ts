/**
 * What one client of the web host may make it hold. Each cap is sized from the largest
 * legitimate use, so the UI never meets it and a hostile client cannot make the host buffer or
 * queue without bound.
 */

/**
 * Largest call: an HTTP body or a WebSocket message (the `ws` `maxPayload`). The biggest
 * legitimate calls are `datasets.saveLabels` (one ~70-byte edit per brush stroke: 1 MiB holds
 * about 15,000 strokes) and inline specs for `runs.start` / `experiments.queue` (a few KiB).
 */
export const MAX_CALL_BYTES = 1024 * 1024

/**
 * Calls of one WebSocket connection running at once. More are not refused: the connection stops
 * being read until one finishes, so the client's own socket absorbs the backlog. The UI's widest
 * burst (one `runs.get` per run of a dataset) just waits its turn.
 */
export const MAX_CALLS_IN_FLIGHT = 16

/** Open API connections: one per browser tab, so far more than a person uses. */
export const MAX_CONNECTIONS = 32

/**
 * Most bytes one upload set (a dropped file or folder) may hold. An upload streams to the
 * workspace's disk, never into memory, so the cap guards that disk against a client that never
 * stops sending; 2 GiB is far past the series this workbench trains on in a browser session.
 * Bigger data is on some disk already: import it from there by path.
 */
export const MAX_UPLOAD_BYTES = 2 * 1024 * 1024 * 1024

/** Uploads streaming at once, across clients: a drop uploads its files one after another. */
export const MAX_UPLOADS_IN_FLIGHT = 4

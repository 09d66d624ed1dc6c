/** Electron IPC channel names (preload <-> main). Kept free of zod so the sandboxed preload stays tiny. */
export const IPC_CALL = 'workbench:call'
export const IPC_EVENT = 'workbench:event'

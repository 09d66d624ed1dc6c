/**
 * The host's events as the contract names them: services' own events are translated into these
 * (workbench-host.ts) and every front door subscribes here (IPC, WebSocket, CLI).
 */
import type { EventName, EventPayload } from '../contract/api'

export type EventListener = (event: EventName, payload: unknown) => void

/** Raises one contract event; handler modules that announce a change are given this. */
export type Emit = <E extends EventName>(event: E, payload: EventPayload<E>) => void

export class HostEvents {
  private readonly listeners = new Set<EventListener>()

  on(listener: EventListener): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  readonly emit: Emit = (event, payload) => {
    for (const l of this.listeners) l(event, payload)
  }
}

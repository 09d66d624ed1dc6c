/**
 * The command line is a client of the contract, as the Electron and WebSocket front doors are:
 * every command calls the host's methods through `dispatch` (inputs validated, errors shaped
 * alike) and follows progress through its events. Commands get this client, never the host.
 */
import type { WorkbenchHost } from '../host/workbench-host'
import { toErrorShape } from '../host/dispatch'
import { ApiError, type MethodInput, type MethodName, type MethodOutput, type WorkbenchApi } from '../contract/api'
import { UsageError } from './output'

export interface ContractClient extends WorkbenchApi {
  /** Closes the host: workers stopped, running trials handed back to the queue, the lease given up. */
  close(): Promise<void>
}

/**
 * Errors come out as every front door reports them: an ApiError with the contract's code (the
 * exit code follows from it, see output.ts), the original error kept as its `cause`.
 */
export function contractClient(host: WorkbenchHost): ContractClient {
  return {
    async call<M extends MethodName>(method: M, input: MethodInput<M>): Promise<MethodOutput<M>> {
      try {
        return (await host.call(method, input)) as MethodOutput<M>
      } catch (err) {
        if (err instanceof ApiError) throw err
        const shape = toErrorShape(err)
        throw Object.assign(new ApiError(shape.code, shape.message, shape.path), { cause: err })
      }
    },
    on(event, listener) {
      return host.onEvent((name, payload) => {
        if (name === event) listener(payload as Parameters<typeof listener>[0])
      })
    },
    close: () => host.close()
  }
}

/** A positive integer run id from the command line. */
export function runIdArg(what: string, text: string | undefined): number {
  const id = Number(text)
  if (!text || !Number.isInteger(id) || id <= 0) throw new UsageError(`${what} needs a run id (a positive integer), got '${text ?? ''}'`)
  return id
}

/** CLI commands call the host through the contract, as every other front door does. */
import type { WorkbenchHost } from '../host/workbench-host'
import { ApiError, type MethodInput, type MethodName, type MethodOutput } from '../contract/api'
import { UsageError } from './output'

/** A contract call; bad input and unknown ids are usage errors (exit 2) naming the field. */
export async function contractCall<M extends MethodName>(host: WorkbenchHost, method: M, input: MethodInput<M>): Promise<MethodOutput<M>> {
  try {
    return (await host.call(method, input)) as MethodOutput<M>
  } catch (err) {
    if (err instanceof ApiError && (err.code === 'bad_input' || err.code === 'not_found')) {
      throw new UsageError(err.path && !err.message.includes(err.path) ? `${err.path}: ${err.message}` : err.message)
    }
    throw err
  }
}

/** A positive integer run id from the command line. */
export function runIdArg(what: string, text: string | undefined): number {
  const id = Number(text)
  if (!text || !Number.isInteger(id) || id <= 0) throw new UsageError(`${what} needs a run id (a positive integer), got '${text ?? ''}'`)
  return id
}

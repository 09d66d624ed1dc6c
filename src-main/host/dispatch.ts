/**
 * The one entry every front door calls: validate the input against the contract, run the
 * handler, map errors to the contract's error shape. Electron IPC and the WebSocket server both
 * go through `dispatch`, so validation cannot differ between them.
 */
import { z } from 'zod'
import { methods, ApiError, type MethodName, type MethodOutput, type ApiErrorShape } from '../contract/api'
import { SpecError } from '../core/search/spec'

export type Handlers = { [M in MethodName]: (input: z.output<(typeof methods)[M]['input']>) => Promise<MethodOutput<M>> | MethodOutput<M> }

function isMethod(name: string): name is MethodName {
  return Object.prototype.hasOwnProperty.call(methods, name)
}

function issuePath(error: z.ZodError): string | undefined {
  const first = error.issues[0]
  return first && first.path.length > 0 ? first.path.map(String).join('.') : undefined
}

export function toErrorShape(err: unknown): ApiErrorShape {
  if (err instanceof ApiError) return err.toShape()
  if (err instanceof SpecError) return { code: 'bad_input', message: err.message, path: err.issues[0]?.path }
  if (err instanceof z.ZodError) return { code: 'bad_input', message: z.prettifyError(err), path: issuePath(err) }
  return { code: 'internal', message: err instanceof Error ? err.message : String(err) }
}

export async function dispatch(handlers: Handlers, method: string, input: unknown): Promise<unknown> {
  if (!isMethod(method)) throw new ApiError('bad_input', `unknown method '${method}'`)
  const parsed = methods[method].input.safeParse(input ?? {})
  if (!parsed.success) {
    throw new ApiError('bad_input', `${method}: ${z.prettifyError(parsed.error)}`, issuePath(parsed.error))
  }
  const handler = handlers[method] as (input: unknown) => Promise<unknown> | unknown
  return handler(parsed.data)
}

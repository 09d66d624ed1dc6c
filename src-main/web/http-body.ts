/** Reading an HTTP request body without letting a client decide how much the host buffers. */
import type { IncomingMessage } from 'node:http'
import { formatBytes } from '../core/format-bytes'

export class BodyTooLarge extends Error {
  constructor(readonly limit: number) {
    super(`request body is over ${formatBytes(limit)}, the most one call may carry`)
  }
}

/**
 * The whole body, or `BodyTooLarge` as soon as it is known to exceed `limit` (from
 * Content-Length, else from the bytes read). Past the limit nothing more is read: the request
 * is paused, so Node stops reading its socket, and the caller answers and closes.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'])
  if (declared > limit) {
    req.pause()
    return Promise.reject(new BodyTooLarge(limit))
  }
  return new Promise((ok, fail) => {
    const chunks: Buffer[] = []
    let size = 0
    const done = () => {
      req.off('data', onData)
      req.off('end', onEnd)
      req.off('close', onClose)
    }
    const onData = (chunk: Buffer) => {
      size += chunk.length
      if (size > limit) {
        done()
        req.pause()
        fail(new BodyTooLarge(limit))
      } else chunks.push(chunk)
    }
    const onEnd = () => {
      done()
      ok(Buffer.concat(chunks))
    }
    const onClose = () => {
      done()
      fail(new Error('the client closed the connection before the request body ended'))
    }
    req.on('data', onData)
    req.on('end', onEnd)
    req.on('close', onClose)
  })
}

/**
 * `POST /upload?name=<relative path>[&set=<id>]` (contract/upload.ts): the web host's door for files the browser holds
 * and the host's disk does not. The body is the file's bytes as they are (what `fetch(url, { body:
 * file })` sends), streamed into the workspace's staging folder (host/upload-staging.ts); the
 * reply names the staged path, which the page then previews and imports through the contract
 * like any path of the workspace. The first file of a drop opens a set; the others name it.
 *
 * Same guards as the API door (Host, Origin, token), a cap on the set's bytes (refused from the
 * declared Content-Length before anything is written, else as soon as it is passed), a cap on
 * uploads at once; a failed, refused or cut-off upload removes its whole set.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { PassThrough } from 'node:stream'
import { UploadTooLarge, type UploadStaging } from '../host/upload-staging'
import { AccessGate, REFUSAL } from './auth'
import { MAX_UPLOADS_IN_FLIGHT } from './limits'
import { HTTP_STATUS, escapeError, publicError } from './messages'
import type { ApiErrorShape } from '../contract/api'

export class UploadDoor {
  private inFlight = 0

  constructor(
    private readonly staging: UploadStaging,
    private readonly gate: () => AccessGate,
    private readonly limit: number,
    private readonly reply: (res: ServerResponse, status: number, body: object, headers?: Record<string, string>) => void
  ) {}

  async handle(req: IncomingMessage, res: ServerResponse, target: URL): Promise<void> {
    const refuse = (status: number, error: ApiErrorShape, headers: Record<string, string> = {}) => {
      // A body left unread: the connection closes after the answer rather than read it.
      if (!req.complete) headers = { ...headers, connection: 'close' }
      if (!res.headersSent && !res.destroyed) this.reply(res, status, { error: escapeError(error) }, headers)
    }
    const bad = (status: number, message: string, headers: Record<string, string> = {}) => refuse(status, { code: 'bad_input', message }, headers)
    if (req.method !== 'POST') return bad(405, 'POST only', { allow: 'POST' })
    const gate = this.gate()
    if (!gate.originOk(req)) return bad(403, REFUSAL.origin(req.headers.origin ?? ''))
    const credential = gate.check(req, target.searchParams)
    if (credential !== 'ok') return bad(401, REFUSAL[credential])
    const name = target.searchParams.get('name')
    if (!name) return bad(400, 'missing ?name= (the file’s name, or its path inside a dropped folder)')
    const declared = Number(req.headers['content-length'])
    if (declared > this.limit) return bad(413, new UploadTooLarge(this.limit).message)
    if (this.inFlight >= MAX_UPLOADS_IN_FLIGHT) return bad(503, `${MAX_UPLOADS_IN_FLIGHT} uploads are already running: try again when one has finished`, { 'retry-after': '1' })

    // Read through a pass-through: a refusal mid-body ends the staging's stream, not the request,
    // so the refusal can still be written before the connection closes.
    const body = new PassThrough()
    req.pipe(body)
    req.on('close', () => {
      if (!req.complete) body.destroy(new Error('the client closed the connection before the upload ended'))
    })
    this.inFlight++
    try {
      const staged = await this.staging.receive(target.searchParams.get('set'), name, body, this.limit)
      this.reply(res, 201, staged)
    } catch (err) {
      req.unpipe(body)
      req.pause()
      if (err instanceof UploadTooLarge) return bad(413, err.message)
      const error = publicError(err)
      refuse(HTTP_STATUS[error.code], error)
    } finally {
      this.inFlight--
    }
  }
}

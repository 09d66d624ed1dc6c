/**
 * The web host's upload door (`POST /upload`) against a real server and workspace: a good file
 * streams into the staging folder, previews and imports through the contract, and its set is gone
 * once the import ended; a set over the cap (announced or streamed), a body cut off mid-way, a
 * wrong token and names that try to leave the set are refused with a clear error, and leave
 * nothing in the staging folder.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { makeHost, tempDir, until } from '../helpers/workspace'
import { httpRequest, postCall, startCutUpload, uploadFile, uploadInPieces } from '../helpers/web-client'
import { startWebServer, type RunningWebServer } from '../../src-main/web/server'
import type { WorkbenchHost } from '../../src-main/host/workbench-host'
import type { DatasetDetail, ImportPreview } from '../../src-main/contract/api'

const TOKEN = 'upload-test-token-0123456789abcdef'
/** Small, so a test passes the cap with a few KiB. */
const CAP = 64 * 1024

const CSV = ['time;temp;pressure;anomaly', ...Array.from({ length: 40 }, (_, i) => `2024-01-01T00:${String(i).padStart(2, '0')}:00Z;${(20 + Math.sin(i)).toFixed(3)};${(1 + i / 100).toFixed(3)};${i >= 30 && i < 34 ? 1 : 0}`)].join('\n') + '\n'

const bearer = (token = TOKEN) => ({ authorization: `Bearer ${token}` })

describe('upload door', { timeout: 60_000 }, () => {
  let tmp: ReturnType<typeof tempDir>
  let host: WorkbenchHost
  let server: RunningWebServer

  beforeAll(async () => {
    tmp = tempDir()
    host = makeHost(join(tmp.dir, 'ws'))
    const staticDir = join(tmp.dir, 'static')
    mkdirSync(staticDir)
    writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>wb</title>')
    server = await startWebServer({ host, staticDir, port: 0, token: TOKEN, maxUploadBytes: CAP })
  })

  afterAll(async () => {
    await server.close()
    await host.close()
    tmp.remove()
  })

  const upload = (name: string, body: string | Buffer, o: { set?: string; headers?: Record<string, string> } = {}) => uploadFile(server.port, name, body, { headers: bearer(), ...o })
  const staged = () => (existsSync(host.staging.root) ? readdirSync(host.staging.root, { recursive: true }) : [])

  it('stages a CSV, previews it (separator, timestamp, label, first rows), imports it, then removes the set', async () => {
    const r = await upload('skab/valve1/0.csv', CSV)
    expect(r.status).toBe(201)
    const reply = JSON.parse(r.body) as { set: string; path: string; entry: string; bytes: number }
    expect(reply.bytes).toBe(Buffer.byteLength(CSV))
    expect(readFileSync(reply.path, 'utf8')).toBe(CSV)
    expect(reply.entry).toBe(join(host.staging.root, reply.set, 'skab'))
    // A second file of the same drop joins the set.
    const second = await upload('skab/valve1/1.csv', CSV, { set: reply.set })
    expect(second.status).toBe(201)

    const preview = (await host.call('datasets.preview', { files: [reply.entry] })) as ImportPreview
    expect(preview).toMatchObject({ delimiter: ';', header: true, fileCount: 2, defaultName: 'skab' })
    expect(preview.files.map((f) => f.segment)).toEqual(['valve1/0', 'valve1/1'])
    expect(Object.fromEntries(preview.columns.map((c) => [c.name, c.role]))).toEqual({ time: 'timestamp', temp: 'feature', pressure: 'feature', anomaly: 'label' })
    expect(preview.rows[0]).toEqual(CSV.split('\n')[1].split(';'))

    const { jobId } = (await host.call('datasets.import', { files: [reply.entry], options: { ignoreColumns: ['pressure'] } })) as { jobId: string }
    const outcome = await host.jobs.waitFor(jobId)
    expect(outcome.error).toBeNull()
    const detail = (await host.call('datasets.get', { id: outcome.dataset!.id })) as DatasetDetail
    expect(detail.roles.find((c) => c.name === 'pressure')?.role).toBe('ignored')
    await until(() => !existsSync(join(host.staging.root, reply.set)), 10_000, 'the imported set to be removed')
  })

  it('refuses a set announced over the cap with 413 before reading it, and stages nothing', async () => {
    const { req, reply } = uploadInPieces(server.port, 'big.csv', { ...bearer(), 'content-length': String(CAP + 1) })
    req.write('time,v\n')
    const r = await reply
    expect(r.status).toBe(413)
    expect(r.json.error.message).toMatch(/^the upload is over 64 KiB, the most one upload set may hold/)
    req.destroy()
    expect(staged()).toEqual([])
  })

  it('stops a chunked upload at the cap with 413 and removes the whole set', async () => {
    const first = await upload('a/0.csv', CSV)
    const { set } = JSON.parse(first.body) as { set: string }
    const { req, reply } = uploadInPieces(server.port, 'a/1.csv', bearer(), set)
    const chunk = Buffer.alloc(8 * 1024, 0x31)
    for (let sent = 0; sent <= CAP; sent += chunk.length) req.write(chunk)
    // Never ended: only a door that stops at the cap can answer.
    const r = await reply
    expect(r.status).toBe(413)
    expect(r.json.error.code).toBe('bad_input')
    await until(() => staged().length === 0, 10_000, 'the set to be removed')
    expect((await upload('a/2.csv', CSV, { set })).status).toBe(404)
  })

  it('removes the set of a body cut off before its end, and keeps serving', async () => {
    const raw = await startCutUpload(server.port, TOKEN, 'cut.csv', 5000, CSV.slice(0, 300))
    await until(() => staged().some((f) => String(f).endsWith('.part')), 10_000, 'the upload to start')
    raw.socket.destroy()
    await until(() => staged().length === 0, 10_000, 'the cut-off set to be removed')
    expect((await postCall(server.port, 'app.info', {}, bearer())).status).toBe(200)
  })

  it('refuses a missing or wrong token with 401 and stages nothing', async () => {
    const missing = await upload('x.csv', CSV, { headers: {} })
    expect(missing.status).toBe(401)
    const wrong = await upload('x.csv', CSV, { headers: bearer('wrong') })
    expect(wrong.status).toBe(401)
    expect(JSON.parse(wrong.body).error.message).toMatch(/wrong token/)
    expect(staged()).toEqual([])
  })

  for (const name of ['../escape.csv', 'a/../../escape.csv', '/etc/cron.d/x.csv', 'a//b.csv', '.hidden.csv', 'a\\..\\b.csv', 'c:x.csv', 'bad\u0000name.csv', 'notes.exe']) {
    it(`refuses the name ${JSON.stringify(name)} with 400 naming it, and writes nothing`, async () => {
      const r = await upload(name, CSV)
      expect(r.status).toBe(400)
      expect(JSON.parse(r.body).error).toMatchObject({ code: 'bad_input', message: expect.stringMatching(/^upload name /) })
      expect(staged()).toEqual([])
      expect(existsSync(join(tmp.dir, 'escape.csv'))).toBe(false)
    })
  }

  it('refuses a set id it did not make', async () => {
    const r = await upload('x.csv', CSV, { set: '../../artifacts' })
    expect(r.status).toBe(400)
    expect(JSON.parse(r.body).error.message).toMatch(/upload set .* is not one this host made/)
  })

  it('answers GET with 405', async () => {
    expect((await httpRequest(server.port, 'GET', '/upload?name=x.csv', bearer())).status).toBe(405)
  })
})

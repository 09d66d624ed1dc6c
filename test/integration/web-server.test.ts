/**
 * The web front door: token (in the printed URL, then a cookie), Host and Origin checks, and the
 * same API (validated against the one contract) over WebSocket and HTTP POST, with events pushed
 * to every client.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import WebSocket from 'ws'
import { makeHost, tempDir } from '../helpers/workspace'
import { httpRequest, openSocket, postCall, closed, FrameClient } from '../helpers/web-client'
import { startWebServer, type RunningWebServer } from '../../src-main/web/server'
import type { WorkbenchHost } from '../../src-main/host/workbench-host'
import type { ServerFrame } from '../../src-main/contract/wire'

let tmp: ReturnType<typeof tempDir>
let host: WorkbenchHost
let server: RunningWebServer

beforeAll(async () => {
  tmp = tempDir()
  const staticDir = join(tmp.dir, 'static')
  mkdirSync(join(staticDir, 'assets'), { recursive: true })
  writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>wb</title>')
  writeFileSync(join(staticDir, 'assets', 'app.js'), 'console.log(1)')
  host = makeHost(join(tmp.dir, 'ws'))
  server = await startWebServer({ host, staticDir, port: 0 })
})

afterAll(async () => {
  await server.close()
  await host.close()
  tmp.remove()
})

const get = (path: string, headers: Record<string, string> = {}) => httpRequest(server.port, 'GET', path, headers)
const post = (method: string, body: unknown, headers: Record<string, string>) => postCall(server.port, method, body, headers)
const connect = (query: string, headers: Record<string, string> = {}) => openSocket(server.port, query, headers)

describe('web host', () => {
  it('binds to 127.0.0.1 and prints a URL with the token', () => {
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/?token=${server.token}`)
    expect(server.token.length).toBeGreaterThanOrEqual(32)
  })

  it('serves the renderer with a CSP, and nothing outside its folder', async () => {
    const index = await get('/')
    expect(index.status).toBe(200)
    expect(String(index.headers['content-security-policy'])).toContain("script-src 'self'")
    expect((await get('/assets/app.js')).status).toBe(200)
    expect((await get('/../ws/workbench.db')).status).toBe(404)
    expect((await get('/%2e%2e/ws/workbench.db')).status).toBe(404)
  })

  it('refuses a foreign Host header (DNS rebinding)', async () => {
    expect((await get('/', { host: `evil.example:${server.port}` })).status).toBe(403)
    await expect(connect(`?token=${server.token}`, { host: 'evil.example' })).rejects.toThrow(/403/)
  })

  it('refuses WebSocket and HTTP calls without the token or from another origin, each with its own message', async () => {
    for (const [query, reason] of [['', /^missing token/], ['?token=wrong', /^wrong token/]] as const) {
      const ws = new WebSocket(`ws://127.0.0.1:${server.port}/api${query}`)
      const received: string[] = []
      ws.on('message', (d) => received.push(d.toString()))
      ws.on('open', () => ws.send(JSON.stringify({ type: 'call', id: 1, method: 'runs.list', input: {} })))
      const { code, reason: why } = await closed(ws)
      expect(code).toBe(4401)
      expect(why).toMatch(reason)
      expect(received).toEqual([])
    }
    await expect(connect(`?token=${server.token}`, { origin: 'http://evil.example' })).rejects.toThrow(/^HTTP 403: origin not allowed: http:\/\/evil\.example/)

    const missing = await post('runs.list', {}, {})
    expect(missing.status).toBe(401)
    expect(missing.json.error.message).toMatch(/^missing token/)
    const wrong = await post('runs.list', {}, { authorization: 'Bearer wrong' })
    expect(wrong.status).toBe(401)
    expect(wrong.json.error.message).toMatch(/^wrong token/)
    const foreign = await post('runs.list', {}, { authorization: `Bearer ${server.token}`, origin: 'http://localhost:1' })
    expect(foreign.status).toBe(403)
    expect(foreign.json.error.message).toMatch(/^origin not allowed: http:\/\/localhost:1/)
  })

  it('moves the token of the printed URL into an HttpOnly SameSite=Strict cookie named for the port, and redirects to / without it', async () => {
    const first = await get(`/?token=${server.token}&view=1`)
    expect(first.status).toBe(303)
    expect(first.headers.location).toBe('/?view=1')
    expect(first.headers['set-cookie']).toEqual([`workbench-token-${server.port}=${server.token}; HttpOnly; SameSite=Strict; Path=/`])
    expect(first.headers['cache-control']).toBe('no-store')

    const wrong = await get('/?token=wrong')
    expect(wrong.status).toBe(401)
    expect(wrong.body).toMatch(/^wrong token/)
    expect(wrong.headers['set-cookie']).toBeUndefined()
  })

  it('accepts the token cookie on WebSocket and HTTP calls, and only this port\'s cookie', async () => {
    const cookie = { cookie: `other=1; workbench-token-${server.port}=${server.token}` }
    const http = await post('app.info', {}, cookie)
    expect(http.status).toBe(200)
    const client = new FrameClient(await connect('', cookie))
    client.send({ type: 'call', id: 1, method: 'app.info', input: {} })
    expect(await client.result(1)).toMatchObject({ ok: true, output: { frontDoor: 'web' } })
    client.ws.close()

    // Another workbench's cookie (another port) is no credential here.
    const elsewhere = await post('app.info', {}, { cookie: `workbench-token-${server.port + 1}=${server.token}` })
    expect(elsewhere.status).toBe(401)
    expect(elsewhere.json.error.message).toMatch(/^missing token/)
    const stale = await post('app.info', {}, { cookie: `workbench-token-${server.port}=old-token` })
    expect(stale.json.error.message).toMatch(/^wrong token/)
  })

  it('answers calls over HTTP with the token, validating input against the contract', async () => {
    const ok = await post('app.info', {}, { authorization: `Bearer ${server.token}` })
    expect(ok.status).toBe(200)
    expect(ok.json.output).toMatchObject({ version: expect.any(String), frontDoor: 'web' })
    const bad = await post('runs.get', { id: 'seven' }, { authorization: `Bearer ${server.token}` })
    expect(bad.status).toBe(400)
    expect(bad.json.error).toMatchObject({ code: 'bad_input', path: 'id' })
    const missing = await post('runs.get', { id: 4242 }, { authorization: `Bearer ${server.token}` })
    expect(missing.status).toBe(404)
    expect((await post('no.such.method', {}, { authorization: `Bearer ${server.token}` })).json.error.message).toMatch(/unknown method/)
  })

  it('runs an experiment over WebSocket and pushes its events', async () => {
    const ws = await connect(`?token=${server.token}`)
    const frames: ServerFrame[] = []
    ws.on('message', (d) => frames.push(JSON.parse(d.toString())))
    const call = (id: number, method: string, input: unknown) => ws.send(JSON.stringify({ type: 'call', id, method, input }))
    const result = (id: number) =>
      new Promise<ServerFrame>((ok) => {
        const t = setInterval(() => {
          const f = frames.find((x) => x.type === 'result' && x.id === id)
          if (f) {
            clearInterval(t)
            ok(f)
          }
        }, 10)
      })
    call(1, 'experiments.list', {})
    const list = (await result(1)) as { ok: true; output: { file: string; error: string | null }[] }
    expect(list.output.find((e) => e.file === 'helios-detection-iforest.json')?.error).toBeNull()
    call(2, 'runs.start', { file: '../package.json' })
    expect(await result(2)).toMatchObject({ ok: false, error: { code: 'bad_input', path: 'file', message: expect.stringMatching(/not inside the experiments folder/) } })
    call(3, 'runs.start', { file: 'helios-detection-iforest.json' })
    const started = (await result(3)) as { ok: true; output: { runId: number } }
    expect(started.ok).toBe(true)
    await new Promise<void>((ok) => {
      const t = setInterval(() => {
        if (frames.some((f) => f.type === 'event' && f.event === 'run.changed' && (f.payload as { status: string }).status === 'done')) {
          clearInterval(t)
          ok()
        }
      }, 20)
    })
    const statuses = frames.filter((f) => f.type === 'event' && f.event === 'run.changed').map((f) => (f as { payload: { status: string } }).payload.status)
    expect(statuses[0]).toBe('queued')
    expect(statuses).toContain('running')
    expect(frames.some((f) => f.type === 'event' && f.event === 'run.log')).toBe(true)
    call(4, 'runs.get', { id: started.output.runId })
    const detail = (await result(4)) as { ok: true; output: { confusion: { tn: number; fp: number; fn: number; tp: number } } }
    const c = detail.output.confusion
    expect(c.tn + c.fp + c.fn + c.tp).toBe(864)
    ws.close()
  })
})

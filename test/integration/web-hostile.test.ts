/**
 * The web host under hostile input: broken WebSocket frames, resets, oversized bodies and
 * messages, uploads cut off, oversized or named to escape, floods of calls and connections,
 * malformed frames and URLs, control bytes. The host must keep serving, bound what it buffers,
 * and answer every caller it can identify.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { makeHost, tempDir, until, REPO } from '../helpers/workspace'
import { FrameClient, RawConnection, closed, httpRequest, openSocket, postCall, postInPieces, startCutUpload, uploadFile, uploadInPieces } from '../helpers/web-client'
import { startWebServer, type RunningWebServer } from '../../src-main/web/server'
import { MAX_CALL_BYTES, MAX_CALLS_IN_FLIGHT, MAX_CONNECTIONS, MAX_UPLOAD_BYTES } from '../../src-main/web/limits'
import type { WorkbenchHost } from '../../src-main/host/workbench-host'

const TOKEN = 'hostile-test-token-0123456789abcdef'

function staticFolder(dir: string): string {
  const staticDir = join(dir, 'static')
  mkdirSync(staticDir, { recursive: true })
  writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>wb</title>')
  return staticDir
}

/** A client-to-server frame: FIN set, masked with a zero key (so the payload goes as is). */
function maskedFrame(opcode: number, payload: Buffer): Buffer {
  if (payload.length > 125) throw new Error('test frames stay short')
  return Buffer.concat([Buffer.from([0x80 | opcode, 0x80 | payload.length, 0, 0, 0, 0]), payload])
}

const HOSTILE_FRAMES: { name: string; bytes: Buffer; closeCode: number }[] = [
  { name: 'text frame of invalid UTF-8 (FF FE FD)', bytes: maskedFrame(0x1, Buffer.from([0xff, 0xfe, 0xfd])), closeCode: 1007 },
  {
    name: 'frame announcing 4 GiB (over the size limit)',
    bytes: Buffer.from([0x81, 0xff, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0]),
    closeCode: 1009
  },
  { name: 'unmasked frame', bytes: Buffer.concat([Buffer.from([0x81, 0x03]), Buffer.from('abc')]), closeCode: 1002 },
  { name: 'frame with the reserved opcode 3', bytes: maskedFrame(0x3, Buffer.alloc(0)), closeCode: 1002 }
]

const AUTHS: { name: string; query: string }[] = [
  { name: 'without a token', query: '' },
  { name: 'with a wrong token', query: '?token=wrong' },
  { name: 'with the token', query: `?token=${TOKEN}` }
]

/** The first close frame the server sent after the handshake, if any. */
function closeCodeIn(raw: string): number | null {
  const bytes = Buffer.from(raw.slice(raw.indexOf('\r\n\r\n') + 4), 'latin1')
  for (let i = 0; i + 3 < bytes.length; ) {
    const opcode = bytes[i] & 0x0f
    const len = bytes[i + 1] & 0x7f
    if (opcode === 0x8) return bytes.readUInt16BE(i + 2)
    i += 2 + len
  }
  return null
}

// Each test waits on a socket or a reply: a host that hangs fails it in 30 s, not 2 minutes.
describe('web host process under hostile WebSocket input', { timeout: 30_000 }, () => {
  let tmp: ReturnType<typeof tempDir>
  let proc: ChildProcess
  let port: number
  let stderr = ''

  beforeAll(async () => {
    tmp = tempDir()
    proc = spawn(process.execPath, ['--import', 'tsx', join(REPO, 'test/helpers/web-host-process.ts'), join(tmp.dir, 'ws'), staticFolder(tmp.dir), TOKEN], {
      cwd: REPO,
      stdio: ['ignore', 'pipe', 'pipe']
    })
    proc.stderr!.on('data', (c) => (stderr += c))
    port = await new Promise<number>((ok, fail) => {
      let out = ''
      proc.stdout!.on('data', (c) => {
        out += c
        if (out.includes('\n')) ok(JSON.parse(out.split('\n')[0]).port)
      })
      proc.once('exit', (code) => fail(new Error(`web host exited with ${code}: ${stderr}`)))
    })
  })

  afterAll(async () => {
    if (proc.exitCode === null && proc.signalCode === null) {
      proc.kill('SIGTERM')
      await new Promise((r) => proc.once('exit', r))
    }
    tmp.remove()
  })

  async function expectStillServing(): Promise<void> {
    expect({ exitCode: proc.exitCode, signal: proc.signalCode, stderr }).toEqual({ exitCode: null, signal: null, stderr: '' })
    const r = await postCall(port, 'app.info', {}, { authorization: `Bearer ${TOKEN}` })
    expect(r.status).toBe(200)
    expect(r.json.output.frontDoor).toBe('web')
  }

  for (const frame of HOSTILE_FRAMES) {
    for (const auth of AUTHS) {
      it(`a ${frame.name} ${auth.name} closes that connection and the process keeps serving`, async () => {
        const raw = await RawConnection.open(port)
        expect(await raw.upgrade(port, auth.query)).toBe('HTTP/1.1 101 Switching Protocols')
        raw.socket.write(frame.bytes)
        await raw.ended
        // A refused socket was already closed with 4401; an accepted one closes with the
        // protocol's code for what was wrong.
        expect(closeCodeIn(raw.text())).toBe(auth.query === `?token=${TOKEN}` ? frame.closeCode : 4401)
        await expectStillServing()
      })
    }
  }

  it('a connection reset right after the upgrade request leaves the process serving', async () => {
    for (const auth of AUTHS) {
      const raw = await RawConnection.open(port)
      raw.socket.write(`GET /api${auth.query} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`)
      raw.socket.resetAndDestroy()
      await raw.ended
    }
    await expectStillServing()
  })

  const staged = () => {
    const root = join(tmp.dir, 'ws', 'uploads')
    return existsSync(root) ? readdirSync(root, { recursive: true }) : []
  }

  it('an upload cut off mid-body, and one reset mid-body, stage nothing and leave the process serving', async () => {
    for (const end of ['end', 'reset'] as const) {
      const raw = await startCutUpload(port, TOKEN, 'cut.csv', 100000, 't,v\n1,2\n')
      await until(() => staged().length > 0, 10_000, 'the upload to start')
      if (end === 'end') raw.socket.end()
      else raw.socket.resetAndDestroy()
      await raw.ended
      await until(() => staged().length === 0, 10_000, `the ${end === 'end' ? 'cut-off' : 'reset'} upload's set to be removed`)
    }
    await expectStillServing()
  })

  it(`an upload announcing more than ${MAX_UPLOAD_BYTES / 2 ** 30} GiB gets 413 before a byte is read, and the process keeps serving`, async () => {
    const { req, reply } = uploadInPieces(port, 'huge.csv', { authorization: `Bearer ${TOKEN}`, 'content-length': String(MAX_UPLOAD_BYTES + 1) })
    req.write('t,v\n')
    const r = await reply
    expect(r.status).toBe(413)
    expect(r.json.error.message).toMatch(/^the upload is over 2 GiB, the most one upload set may hold/)
    req.destroy()
    expect(staged()).toEqual([])
    await expectStillServing()
  })

  it('an upload named to climb out of the staging folder, with control bytes, gets 400 with the name escaped', async () => {
    const r = await uploadFile(port, '../../\u001b[2J../evil.csv', 't,v\n1,2\n', { headers: { authorization: `Bearer ${TOKEN}` } })
    expect(r.status).toBe(400)
    expect(r.body).not.toMatch(/\u001b/)
    expect(JSON.parse(r.body).error.message).toMatch(/^upload name '/)
    expect(staged()).toEqual([])
    expect(existsSync(join(tmp.dir, 'evil.csv'))).toBe(false)
    await expectStillServing()
  })

  it('a garbled HTTP request gets 400 and the process keeps serving', async () => {
    const raw = await RawConnection.open(port)
    raw.socket.write('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: nope\r\n\r\n')
    await raw.ended
    expect(raw.text()).toMatch(/^HTTP\/1\.1 400 /)
    await expectStillServing()
  })
})

describe('web host limits and malformed requests', { timeout: 30_000 }, () => {
  let tmp: ReturnType<typeof tempDir>
  let host: WorkbenchHost
  let server: RunningWebServer
  const bearer = () => ({ authorization: `Bearer ${server.token}` })

  beforeAll(async () => {
    tmp = tempDir()
    host = makeHost(join(tmp.dir, 'ws'))
    server = await startWebServer({ host, staticDir: staticFolder(tmp.dir), port: 0 })
  })

  afterAll(async () => {
    await server.close()
    await host.close()
    tmp.remove()
  })

  it('refuses an HTTP body announced over the cap with 413 and a JSON error, without reading it', async () => {
    // The body never comes: a server that waited for it before refusing would hang this test.
    const { req, reply } = postInPieces(server.port, 'app.info', { ...bearer(), 'content-type': 'application/json', 'content-length': String(500 * 1024 * 1024) })
    req.write('{')
    const status = await reply
    expect(status.status).toBe(413)
    expect(status.json.error).toMatchObject({ code: 'bad_input', message: expect.stringMatching(/request body is over .*1 MiB/) })
  })

  it('stops reading a chunked HTTP body at the cap and answers 413 before the client has finished', async () => {
    const { req, reply: answered } = postInPieces(server.port, 'app.info', { ...bearer(), 'content-type': 'application/json' })
    const chunk = Buffer.alloc(64 * 1024, 0x20)
    for (let sent = 0; sent <= MAX_CALL_BYTES; sent += chunk.length) req.write(chunk)
    // Never ended: only a server that stops at the cap can answer.
    const reply = await answered
    expect(reply.status).toBe(413)
    expect(reply.json.error.code).toBe('bad_input')
    expect((await postCall(server.port, 'app.info', {}, bearer())).status).toBe(200)
  })

  it('accepts a call frame at the cap and closes a socket that sends one over it with 1009', async () => {
    const ws = await openSocket(server.port, `?token=${server.token}`)
    const client = new FrameClient(ws)
    // The biggest legitimate call: label edits, padded to just under the cap.
    const edits: unknown[] = []
    const edit = { start: 1_000_000, end: 1_000_001, label: 1, type: 'a-long-anomaly-type-name' }
    const perEdit = JSON.stringify(edit).length + 1
    while ((edits.length + 1) * perEdit + 200 < MAX_CALL_BYTES) edits.push(edit)
    client.send({ type: 'call', id: 1, method: 'datasets.saveLabels', input: { id: 'abcd', edits } })
    expect(await client.result(1)).toMatchObject({ ok: false, error: { code: 'not_found' } })

    const bye = closed(ws)
    client.send({ type: 'call', id: 2, method: 'app.info', input: { pad: 'x'.repeat(MAX_CALL_BYTES) } })
    expect((await bye).code).toBe(1009)
  })

  it(`runs at most ${MAX_CALLS_IN_FLIGHT} calls of one connection at a time and answers every one`, async () => {
    const realCall = host.call.bind(host)
    let started = 0
    let release!: () => void
    const gate = new Promise<void>((r) => (release = r))
    // `runs.list` calls are held at the door until the test lets them through, so every one the
    // server has started is visibly in flight at once.
    host.call = async (method, input) => {
      if (method === 'runs.list') {
        started++
        await gate
      }
      return realCall(method, input)
    }
    try {
      const client = new FrameClient(await openSocket(server.port, `?token=${server.token}`))
      const n = MAX_CALLS_IN_FLIGHT * 5
      for (let id = 1; id <= n; id++) client.send({ type: 'call', id, method: 'runs.list', input: {} })
      await until(() => started >= MAX_CALLS_IN_FLIGHT, 30_000, 'the first calls to start')
      // A round trip on a second connection lets the server read whatever else has arrived.
      const probe = new FrameClient(await openSocket(server.port, `?token=${server.token}`))
      probe.send({ type: 'call', id: 1, method: 'app.info', input: {} })
      expect(await probe.result(1)).toMatchObject({ ok: true })
      expect(started).toBe(MAX_CALLS_IN_FLIGHT)
      release()
      const replies = await Promise.all(Array.from({ length: n }, (_, i) => client.result(i + 1)))
      expect(replies.every((r) => r.ok)).toBe(true)
      expect(started).toBe(n)
      client.ws.close()
      probe.ws.close()
    } finally {
      host.call = realCall
    }
  })

  it(`refuses connection ${MAX_CONNECTIONS + 1} with 1013 and a reason, and takes it once one closes`, async () => {
    const sockets = await Promise.all(Array.from({ length: MAX_CONNECTIONS }, () => openSocket(server.port, `?token=${server.token}`)))
    const extra = await openSocket(server.port, `?token=${server.token}`)
    expect(await closed(extra)).toEqual({ code: 1013, reason: expect.stringMatching(/too many connections/) })
    const first = sockets.shift()!
    const gone = closed(first)
    first.close()
    await gone
    const again = new FrameClient(await openSocket(server.port, `?token=${server.token}`))
    again.send({ type: 'call', id: 1, method: 'app.info', input: {} })
    expect(await again.result(1)).toMatchObject({ ok: true })
    const all = [...sockets, again.ws]
    const allClosed = Promise.all(all.map(closed))
    for (const ws of all) ws.close()
    await allClosed
  })

  it('answers a malformed call frame with a readable id with an error carrying that id', async () => {
    const client = new FrameClient(await openSocket(server.port, `?token=${server.token}`))
    client.send({ type: 'call', id: 11, method: 42, input: {} })
    client.send({ type: 'call', id: 12, input: {} })
    client.send({ id: 13, method: 'app.info', input: {} })
    client.send({ type: 'call', id: 14, method: 'runs.get', input: 'seven' })
    client.send({ type: 'call', id: 15, method: 'runs.get' })
    for (const id of [11, 12, 13, 14, 15]) {
      expect(await client.result(id)).toMatchObject({ type: 'result', id, ok: false, error: { code: 'bad_input', message: expect.any(String) } })
    }
    expect(client.frames.some((f) => f.id === -1)).toBe(false)
    client.ws.close()
  })

  it('answers a frame without a readable id with an id-less protocol error', async () => {
    const client = new FrameClient(await openSocket(server.port, `?token=${server.token}`))
    for (const text of ['not json', '[1,2]', JSON.stringify({ type: 'call', id: 'seven', method: 'app.info' }), JSON.stringify({ type: 'call', id: 1.5, method: 'app.info' })]) {
      const before = client.frames.length
      client.send(text)
      const reply = await client.next((f) => client.frames.indexOf(f) >= before)
      expect(reply).toEqual({ type: 'error', error: { code: 'bad_input', message: expect.stringMatching(/^bad frame/) } })
    }
    client.ws.send(Buffer.from(JSON.stringify({ type: 'call', id: 3, method: 'app.info', input: {} })), { binary: true })
    expect(await client.result(3)).toMatchObject({ ok: false, error: { code: 'bad_input', message: expect.stringMatching(/text/) } })
    client.ws.close()
  })

  it('answers a malformed percent-encoding in the path with 400, not 500', async () => {
    const r = await httpRequest(server.port, 'GET', '/%E0%A4%A')
    expect(r.status).toBe(400)
    expect(r.body).toMatch(/malformed/)
  })

  it('escapes control and binary bytes in every message it writes', async () => {
    // No raw control character but the newline of multi-line validation messages.
     
    const raw = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069\ufffd]/
    const body = await httpRequest(server.port, 'POST', '/api/app.info', { ...bearer(), 'content-type': 'application/json' }, Buffer.from([0x01, 0x1b, 0x5b, 0x33, 0x31, 0x6d, 0xff, 0x7b]))
    expect(body.status).toBe(400)
    const bodyError = JSON.parse(body.body).error.message as string
    expect(bodyError).not.toMatch(raw)
    expect(bodyError).toContain('\\u{1b}')

    const client = new FrameClient(await openSocket(server.port, `?token=${server.token}`))
    client.send({ type: 'call', id: 1, method: 'evil\u0007\u0000\u009b', input: {} })
    const reply = await client.result(1)
    expect(reply.error.message).not.toMatch(raw)
    expect(reply.error.message).toContain('\\u{7}')
    client.ws.close()

    const missing = await httpRequest(server.port, 'GET', '/nothing-%01%1b-here')
    expect(missing.status).toBe(404)
    expect(missing.body).toBe('not found: /nothing-\\u{1}\\u{1b}-here')
  })
})

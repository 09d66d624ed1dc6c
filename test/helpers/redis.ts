/**
 * A real `redis-server` for a test: an ephemeral port on 127.0.0.1, no persistence (a restart
 * starts empty, as a crashed server without a disk would), stopped at the end. Debian's
 * `redis-server` (`.ci/run` installs it when missing).
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { createServer } from 'node:net'
import { checkRedis } from '../../src-main/host/remote/connection'

const SERVER = process.env.REDIS_SERVER ?? 'redis-server'

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.unref()
    s.on('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port
      s.close(() => resolve(port))
    })
  })
}

export interface TestRedis {
  url: string
  port: number
  /** Stops the server (SIGKILL: no goodbye to clients) and starts it again on the same port, empty. */
  restart(downMs?: number): Promise<void>
  stop(): Promise<void>
  /** Starts it again after `stop`, on the same port, empty. */
  start(): Promise<void>
}

/** `args`: more server options (e.g. `--requirepass`); `url` then is still without credentials. */
export async function startRedis(args: string[] = []): Promise<TestRedis> {
  const port = await freePort()
  const url = `redis://127.0.0.1:${port}`
  let child: ChildProcess | null = null
  const launch = async () => {
    child = spawn(SERVER, ['--save', '', '--appendonly', 'no', '--port', String(port), '--bind', '127.0.0.1', ...args], { stdio: 'ignore' })
    const started = Date.now()
    for (;;) {
      const c = await checkRedis(url, 500)
      // Up: it answers (a server with a password answers that it wants one).
      if (c.ok || c.problem === 'auth') return
      if (Date.now() - started > 10_000) throw new Error(`redis-server did not start on port ${port}: ${c.message}`)
      await new Promise((r) => setTimeout(r, 50))
    }
  }
  const kill = () =>
    new Promise<void>((resolve) => {
      const c = child
      if (!c || c.exitCode !== null || c.signalCode !== null) return resolve()
      c.once('exit', () => resolve())
      c.kill('SIGKILL')
    })
  await launch()
  return {
    url,
    port,
    async restart(downMs = 1000) {
      await kill()
      await new Promise((r) => setTimeout(r, downMs))
      await launch()
    },
    stop: kill,
    start: launch
  }
}

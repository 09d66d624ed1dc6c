/**
 * Redis connections for the host and its agents. A URL (`redis://[user:pass@]host:6379[/db]`,
 * `rediss://` for TLS) is all either needs; ioredis reads user, password, database and TLS from it.
 * `checkRedis` is the Settings "Connect" button and the agent's first step: it says in words what
 * is wrong — a bad URL, a server it cannot reach, refused credentials, a Redis too old for BullMQ.
 */
import { Redis, type RedisOptions } from 'ioredis'
import { isRedisVersionLowerThan } from 'bullmq'

/** BullMQ's own floor (RedisConnection.minimumVersion in bullmq 6). */
export const MIN_REDIS_VERSION = '5.0.0'

export type RedisCheck =
  | { ok: true; version: string }
  | { ok: false; problem: 'bad-url' | 'unreachable' | 'auth' | 'version'; message: string }

/** Checks a URL's form: a clear error that names what is wrong, before any connection. */
export function parseRedisUrl(url: string): URL {
  let u: URL
  try {
    u = new URL(url)
  } catch {
    throw new Error(`'${url}' is not a URL: give redis://[user:password@]host:6379[/db] (rediss:// for TLS)`)
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') throw new Error(`'${url}': the scheme must be redis:// or rediss:// (TLS), not ${u.protocol}//`)
  if (!u.hostname) throw new Error(`'${url}' names no host`)
  const db = u.pathname.replace(/^\//, '')
  if (db !== '' && !/^\d+$/.test(db)) throw new Error(`'${url}': the path must be a database number (/0, /1…), not '/${db}'`)
  return u
}

/** The URL without its password, for logs and the UI. */
export function redactedUrl(url: string): string {
  try {
    const u = new URL(url)
    if (u.password) u.password = '***'
    return u.toString()
  } catch {
    return url
  }
}

/**
 * A connection. `blocking` ones (BullMQ workers and event readers) retry for ever
 * (`maxRetriesPerRequest: null`, BullMQ's requirement) and reconnect every second at most while
 * Redis is down; the others fail a command at once while disconnected, so the caller can retry
 * later instead of piling commands up.
 */
export function redisConnection(url: string, opts: { blocking: boolean; name: string }): Redis {
  parseRedisUrl(url)
  const options: RedisOptions = {
    connectionName: opts.name,
    maxRetriesPerRequest: opts.blocking ? null : 1,
    enableOfflineQueue: opts.blocking,
    retryStrategy: (times) => Math.min(1000, 50 * times),
    lazyConnect: false
  }
  const redis = new Redis(url, options)
  // Connection errors are reported through state (the registry, the UI), not as unhandled events.
  redis.on('error', () => {})
  return redis
}

/**
 * How long closing a BullMQ queue, worker or event reader may wait on Redis. Their `close()`
 * waits for the server, so while Redis is down a host or an agent would never finish shutting
 * down; after this the connections are dropped instead (the jobs stay in Redis either way).
 */
const CLOSE_WAIT_MS = 2000

/** Closes BullMQ objects, then drops the connections they were given — without waiting on a Redis that is down. */
export async function closeAll(closers: Promise<unknown>[], connections: Redis[]): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, CLOSE_WAIT_MS)))
  await Promise.race([Promise.allSettled(closers), late])
  clearTimeout(timer)
  for (const c of connections) c.disconnect()
}

/** Connects once, says what is wrong or the server's version, and disconnects. */
export async function checkRedis(url: string, timeoutMs = 5000): Promise<RedisCheck> {
  try {
    parseRedisUrl(url)
  } catch (err) {
    return { ok: false, problem: 'bad-url', message: (err as Error).message }
  }
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null, connectTimeout: timeoutMs })
  let lastError: Error | null = null
  redis.on('error', (err: Error) => (lastError = err))
  try {
    await redis.connect()
    const info = await redis.info('server')
    const version = /redis_version:([^\r\n]+)/.exec(info)?.[1]?.trim() ?? '0'
    if (isRedisVersionLowerThan(version, MIN_REDIS_VERSION, 'redis')) {
      return { ok: false, problem: 'version', message: `${redactedUrl(url)} runs Redis ${version}; BullMQ needs ${MIN_REDIS_VERSION} or newer` }
    }
    return { ok: true, version }
  } catch (err) {
    const e = (lastError ?? err) as Error
    const text = e.message
    if (/NOAUTH|WRONGPASS|invalid password|invalid username|AUTH/i.test(text)) return { ok: false, problem: 'auth', message: `${redactedUrl(url)} refused the credentials: ${text}` }
    return { ok: false, problem: 'unreachable', message: `cannot reach ${redactedUrl(url)}: ${text}` }
  } finally {
    redis.disconnect()
  }
}

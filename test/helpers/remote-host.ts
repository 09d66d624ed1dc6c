/**
 * A host with remote runners, for the tests of issue 14: per-test redis-servers and hosts, taken
 * down after each test; a host connected to one with the agents it waits for; what its remote
 * status goes through; its workspace database as it is now (a separate read-only connection: what
 * a stranger would see).
 */
import { expect } from 'vitest'
import Database from 'better-sqlite3'
import type { WorkbenchHost } from '../../src-main/host/workbench-host'
import type { RemoteStatus } from '../../src-main/contract/api'
import { startRedis, type TestRedis } from './redis'
import { hostsPerTest, until } from './workspace'

/**
 * `hostsPerTest`'s scratch hosts and `defer`, and `newRedis`: a fresh redis-server (`args`: more
 * server options), stopped after the test with the rest (latest first).
 */
export function remoteHostsPerTest(): ReturnType<typeof hostsPerTest> & { newRedis(args?: string[]): Promise<TestRedis> } {
  const hosts = hostsPerTest()
  return {
    ...hosts,
    async newRedis(args = []) {
      const redis = await startRedis(args)
      hosts.defer(() => redis.stop())
      return redis
    }
  }
}

/** Connects the host to `redis` (its check must pass) and waits until each agent named has reported to the host. */
export async function connectRemote(host: WorkbenchHost, redis: TestRedis, localSlots: number, agents: readonly string[] = []): Promise<void> {
  const r = (await host.call('remote.connect', { url: redis.url, localSlots, remember: false })) as { check: { ok: boolean } }
  expect(r.check.ok).toBe(true)
  await until(
    () => {
      const s = host.remote.status()
      return agents.every((name) => s.agents.some((a) => a.name === name))
    },
    60_000,
    `agents ${agents.join(', ')}`
  )
}

/** The states the host's remote status goes through from now on (`remote.changed`), in order. */
export function remoteStates(host: WorkbenchHost): RemoteStatus['state'][] {
  const states: RemoteStatus['state'][] = []
  host.onEvent((name, payload) => {
    if (name === 'remote.changed') states.push((payload as RemoteStatus).state)
  })
  return states
}

export function queryHost<T>(host: WorkbenchHost, sql: string): T[] {
  return queryDatabase(host.workspace.dbFile, sql)
}

/** As queryHost, by the database file (a workspace whose host is a separate process). Throws when the file is missing. */
export function queryDatabase<T>(file: string, sql: string): T[] {
  const db = new Database(file, { readonly: true, fileMustExist: true })
  try {
    return db.prepare(sql).all() as T[]
  } finally {
    db.close()
  }
}

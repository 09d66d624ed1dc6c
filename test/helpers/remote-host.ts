/**
 * A host with remote runners, for the tests of issue 14: connect it to a test redis-server, read
 * its workspace database as it is now (a separate read-only connection: what a stranger would see).
 */
import { expect } from 'vitest'
import Database from 'better-sqlite3'
import type { WorkbenchHost } from '../../src-main/host/workbench-host'
import type { TestRedis } from './redis'

export async function connectRemote(host: WorkbenchHost, redis: TestRedis, localSlots: number): Promise<void> {
  const r = (await host.call('remote.connect', { url: redis.url, localSlots, remember: false })) as { check: { ok: boolean } }
  expect(r.check.ok).toBe(true)
}

export function queryHost<T>(host: WorkbenchHost, sql: string): T[] {
  const db = new Database(host.workspace.dbFile, { readonly: true, fileMustExist: true })
  try {
    return db.prepare(sql).all() as T[]
  } finally {
    db.close()
  }
}

/**
 * Opens the workspace database: WAL (readers never block the writer, and a CLI can read while the
 * app writes), foreign keys on, a busy timeout for cross-process writes, then migrations.
 *
 * Several processes share one workspace (the app, `serve`, CLI runs), so every transaction that
 * writes goes through `writeTransaction`: it takes the write lock up front (BEGIN IMMEDIATE). A
 * deferred transaction that reads and then writes cannot wait for the lock — SQLite answers
 * SQLITE_BUSY at once when another connection committed since its read snapshot began, busy
 * timeout or not — and that is how finished trials used to fail with "database is locked".
 */
import Database from 'better-sqlite3'
import { migrations, type Migration } from './migrations'

export type Db = Database.Database

const statements = new WeakMap<Db, Map<string, Database.Statement>>()

/**
 * A prepared statement for `sql`, compiled once per connection. Repositories run the same few
 * statements thousands of times (queuing a 10,000-trial search); compiling each call anew, and
 * leaving the garbage collector to finalise thousands of statements, cost minutes there.
 */
export function stmt(db: Db, sql: string): Database.Statement {
  let cache = statements.get(db)
  if (!cache) statements.set(db, (cache = new Map()))
  let s = cache.get(sql)
  if (!s) cache.set(sql, (s = db.prepare(sql)))
  return s
}

/** How long a statement waits for another process's write lock before SQLITE_BUSY. */
export const BUSY_TIMEOUT_MS = 30_000

/** Runs `fn` in one transaction that holds the write lock from its first statement. */
export function writeTransaction<T>(db: Db, fn: () => T): T {
  return db.transaction(fn).immediate()
}

/** Whether an error is SQLite's "another connection holds the lock" (worth retrying later). */
export function isBusyError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code
  return typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'))
}

export function openDatabase(file: string, list: Migration[] = migrations): Db {
  const db = new Database(file)
  db.pragma('journal_mode = WAL')
  db.pragma('synchronous = NORMAL')
  db.pragma('foreign_keys = ON')
  db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`)
  migrate(db, list)
  return db
}

export function schemaVersion(db: Db): number {
  return db.pragma('user_version', { simple: true }) as number
}

/**
 * A counter SQLite bumps whenever another connection commits (PRAGMA data_version): how a process
 * sharing the workspace notices the others' writes without reading their rows.
 */
export function dataVersion(db: Db): number {
  return db.pragma('data_version', { simple: true }) as number
}

/** The SQLite library's version (an in-memory database asked once: no workspace needed). */
export function sqliteVersion(): string {
  const mem = new Database(':memory:')
  try {
    return mem.prepare('SELECT sqlite_version()').pluck().get() as string
  } finally {
    mem.close()
  }
}

export function migrate(db: Db, list: Migration[]): void {
  // Applied in list order, skipping what the file has: a list out of order would skip one for good.
  list.forEach((m, i) => {
    if (i > 0 && m.version <= list[i - 1].version) {
      throw new Error(`migrations must be in ascending order: entry ${i + 1} is version ${m.version} (${m.name}), after version ${list[i - 1].version}`)
    }
  })
  const latest = list.length === 0 ? 0 : list[list.length - 1].version
  const check = (current: number) => {
    if (current > latest) {
      throw new Error(`${db.name}: schema version ${current} is newer than this workbench knows (${latest}); upgrade the workbench`)
    }
  }
  check(schemaVersion(db))
  for (const m of list) {
    if (m.version <= schemaVersion(db)) continue
    // Two processes opening a fresh workspace at once: the version is read again under the
    // write lock, so each migration is applied exactly once.
    writeTransaction(db, () => {
      const current = schemaVersion(db)
      check(current)
      if (m.version <= current) return
      db.exec(m.sql)
      db.pragma(`user_version = ${m.version}`)
    })
  }
}

/** ISO timestamp with milliseconds, the one format every table stores. */
export function nowIso(): string {
  return new Date().toISOString()
}

/** A read-only connection (workers loading dataset versions); never migrates or writes. */
export function openReadonlyDatabase(file: string): Db {
  const db = new Database(file, { readonly: true, fileMustExist: true })
  db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`)
  return db
}

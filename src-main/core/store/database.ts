/**
 * Opens the workspace database: WAL (readers never block the writer, and a CLI can read while the
 * app writes), foreign keys on, a busy timeout for the rare cross-process write, then migrations.
 */
import Database from 'better-sqlite3'
import { migrations, type Migration } from './migrations'

export type Db = Database.Database

export function openDatabase(file: string, list: Migration[] = migrations): Db {
  const db = new Database(file)
  db.pragma('journal_mode = WAL')
  db.pragma('synchronous = NORMAL')
  db.pragma('foreign_keys = ON')
  db.pragma('busy_timeout = 5000')
  migrate(db, list)
  return db
}

export function schemaVersion(db: Db): number {
  return db.pragma('user_version', { simple: true }) as number
}

export function migrate(db: Db, list: Migration[]): void {
  const current = schemaVersion(db)
  const latest = list.length === 0 ? 0 : list[list.length - 1].version
  if (current > latest) {
    throw new Error(
      `${db.name}: schema version ${current} is newer than this workbench knows (${latest}); upgrade the workbench`
    )
  }
  for (const m of list) {
    if (m.version <= current) continue
    db.transaction(() => {
      db.exec(m.sql)
      db.pragma(`user_version = ${m.version}`)
    })()
  }
}

/** ISO timestamp with milliseconds, the one format every table stores. */
export function nowIso(): string {
  return new Date().toISOString()
}

/** A read-only connection (workers loading dataset versions); never migrates or writes. */
export function openReadonlyDatabase(file: string): Db {
  const db = new Database(file, { readonly: true, fileMustExist: true })
  db.pragma('busy_timeout = 5000')
  return db
}

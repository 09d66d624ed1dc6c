/** Workspace settings (the shared bundle folder, the local bundle library) as JSON values. */
import type { Db } from './database'
import { stmt } from './database'

export function getSetting<T>(db: Db, key: string): T | null {
  const r = stmt(db, 'SELECT value FROM settings WHERE key = ?').pluck().get(key) as string | undefined
  return r === undefined ? null : (JSON.parse(r) as T)
}

export function setSetting(db: Db, key: string, value: unknown): void {
  if (value === null || value === undefined) stmt(db, 'DELETE FROM settings WHERE key = ?').run(key)
  else stmt(db, 'INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(key, JSON.stringify(value))
}

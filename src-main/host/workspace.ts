/**
 * A workspace is a folder: `workbench.db` (SQLite, WAL) plus artifact folders. Opening one
 * migrates the schema and marks runs left behind by a dead process as interrupted.
 */
import { mkdirSync } from 'node:fs'
import { join, resolve } from 'node:path'
import type { Db } from '../core/store/database'
import { openDatabase } from '../core/store/database'
import { markStaleRunsInterrupted } from '../core/store/runs-repo'

export interface Workspace {
  dir: string
  dbFile: string
  db: Db
  artifactsDir: string
  /** Runs found stale at open and marked interrupted. */
  interrupted: number[]
}

export function openWorkspace(dir: string): Workspace {
  const abs = resolve(dir)
  mkdirSync(abs, { recursive: true })
  const artifactsDir = join(abs, 'artifacts')
  mkdirSync(artifactsDir, { recursive: true })
  const dbFile = join(abs, 'workbench.db')
  const db = openDatabase(dbFile)
  const interrupted = markStaleRunsInterrupted(db, 'the process running it stopped before it finished')
  return { dir: abs, dbFile, db, artifactsDir, interrupted }
}

/**
 * A workspace is a folder: `workbench.db` (SQLite, WAL) plus artifact folders. Opening one
 * migrates the schema, takes a lease for this process (hosts-repo) and reclaims what dead
 * processes left behind: their runs are marked interrupted and their trials queued again.
 */
import { mkdirSync } from 'node:fs'
import { join, resolve } from 'node:path'
import type { Db } from '../core/store/database'
import { openDatabase } from '../core/store/database'
import { registerHost } from '../core/store/hosts-repo'
import { reclaimOrphans } from '../core/store/outcomes-repo'

export interface Workspace {
  dir: string
  dbFile: string
  db: Db
  artifactsDir: string
  /** This process's lease on the workspace (hosts-repo owner id). */
  owner: string
  /** Runs found stale at open and marked interrupted. */
  interrupted: number[]
}

export function openWorkspace(dir: string, leaseMs: number): Workspace {
  const abs = resolve(dir)
  mkdirSync(abs, { recursive: true })
  const artifactsDir = join(abs, 'artifacts')
  mkdirSync(artifactsDir, { recursive: true })
  const dbFile = join(abs, 'workbench.db')
  const db = openDatabase(dbFile)
  const owner = registerHost(db)
  const { interrupted } = reclaimOrphans(db, owner, leaseMs, 'the process running it stopped before it finished')
  return { dir: abs, dbFile, db, artifactsDir, owner, interrupted }
}

/**
 * Leases: the processes that run trials on this workspace. Each registers an owner id and renews
 * its heartbeat; the trials and runs it claims carry that owner. An owner is dead when its
 * heartbeat is older than the lease, or — on this machine — when its process is gone, a zombie,
 * or another process now holds its pid. A dead owner's work is reclaimed (outcomes-repo.ts).
 */
import { hostname } from 'node:os'
import { randomBytes } from 'node:crypto'
import type { Db } from './database'
import { nowIso, stmt } from './database'
import { processAlive, processStartTime } from './process-alive'

export interface HostRow {
  owner: string
  hostname: string
  pid: number
  procStart: string | null
  startedAt: string
  heartbeatAt: number
}

interface Row {
  owner: string
  hostname: string
  pid: number
  proc_start: string | null
  started_at: string
  heartbeat_at: number
}

const toHost = (r: Row): HostRow => ({ owner: r.owner, hostname: r.hostname, pid: r.pid, procStart: r.proc_start, startedAt: r.started_at, heartbeatAt: r.heartbeat_at })

/** Registers this process (one owner per scheduler) and returns its owner id. */
export function registerHost(db: Db, now = Date.now()): string {
  const owner = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`
  stmt(db, 'INSERT INTO hosts (owner, hostname, pid, proc_start, started_at, heartbeat_at) VALUES (?, ?, ?, ?, ?, ?)').run(
    owner,
    hostname(),
    process.pid,
    processStartTime(),
    nowIso(),
    now
  )
  return owner
}

/** Renews the lease; false when the row is gone (another process judged this one dead). */
export function heartbeat(db: Db, owner: string, now = Date.now()): boolean {
  return stmt(db, 'UPDATE hosts SET heartbeat_at = ? WHERE owner = ?').run(now, owner).changes === 1
}

export function unregisterHost(db: Db, owner: string): void {
  stmt(db, 'DELETE FROM hosts WHERE owner = ?').run(owner)
}

export function listHosts(db: Db): HostRow[] {
  return (stmt(db, 'SELECT * FROM hosts ORDER BY started_at').all() as Row[]).map(toHost)
}

/** Whether a registered owner still holds its lease at `now`. */
export function ownerAlive(h: HostRow, leaseMs: number, now = Date.now()): boolean {
  if (now - h.heartbeatAt > leaseMs) return false
  return h.hostname !== hostname() || processAlive(h.pid, h.procStart)
}

/**
 * A predicate over owner ids: true for an owner that is dead (or unknown: a row removed when its
 * process closed cleanly, whose work was handed back then). Legacy rows from before leases carry
 * only a pid: dead when that process is gone.
 */
export function deadOwnerCheck(db: Db, self: string, leaseMs: number, now = Date.now()): (owner: string | null, legacyPid: number | null) => boolean {
  const alive = new Set(listHosts(db).filter((h) => h.owner === self || ownerAlive(h, leaseMs, now)).map((h) => h.owner))
  return (owner, legacyPid) => {
    if (owner !== null) return !alive.has(owner)
    return legacyPid !== process.pid && !processAlive(legacyPid)
  }
}

/** Rows of owners long dead are removed (their work has been reclaimed by then). */
export function forgetDeadHosts(db: Db, self: string, leaseMs: number, now = Date.now()): number {
  const dead = listHosts(db).filter((h) => h.owner !== self && !ownerAlive(h, leaseMs, now))
  const del = stmt(db, 'DELETE FROM hosts WHERE owner = ?')
  for (const h of dead) del.run(h.owner)
  return dead.length
}

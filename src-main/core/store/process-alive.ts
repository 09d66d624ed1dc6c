/**
 * Whether a process is alive, for restart safety and leases. `kill(pid, 0)` alone is not enough:
 * it succeeds for a zombie (a killed child its parent has not reaped yet) and for an unrelated
 * process that got the same pid later. On Linux /proc tells both apart: the state letter and the
 * start time (in clock ticks since boot) of the process. Elsewhere signal 0 is the best we have.
 */
import { readFileSync } from 'node:fs'

interface ProcStat {
  state: string
  startTime: string
}

function procStat(pid: number): ProcStat | null | undefined {
  let text: string
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8')
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    // No /proc at all (macOS, Windows): unknown. A missing entry on Linux: no such process.
    return code === 'ENOENT' && procAvailable() ? null : undefined
  }
  // "pid (comm) state ppid …": comm may hold spaces and parentheses, so split after the last ')'.
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ')
  return { state: rest[0], startTime: rest[19] }
}

let hasProc: boolean | null = null
function procAvailable(): boolean {
  if (hasProc === null) {
    try {
      readFileSync('/proc/self/stat')
      hasProc = true
    } catch {
      hasProc = false
    }
  }
  return hasProc
}

/** This process's start time as /proc reports it (null where there is no /proc). */
export function processStartTime(pid: number = process.pid): string | null {
  return procStat(pid)?.startTime ?? null
}

/**
 * Alive and not a zombie; with `startTime`, also the same process that had that pid then.
 * EPERM from signal 0 means alive but not ours.
 */
export function processAlive(pid: number | null, startTime: string | null = null): boolean {
  if (!pid) return false
  const stat = procStat(pid)
  if (stat === null) return false
  if (stat) return stat.state !== 'Z' && stat.state !== 'X' && (startTime === null || stat.startTime === startTime)
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

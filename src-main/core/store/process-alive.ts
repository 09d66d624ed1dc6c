/**
 * Whether a process id is alive (signal 0). Restart safety uses it: runs and trials owned by a
 * process that is gone go back to the queue; those of a live one (the app while a CLI starts)
 * are left alone. EPERM means alive but not ours.
 */
export function processAlive(pid: number | null): boolean {
  if (!pid) return false
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

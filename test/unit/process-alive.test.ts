/**
 * Liveness for leases: a zombie (killed, not reaped) and a pid reused by another process are
 * dead; a live process with its start time is alive.
 */
import { describe, it, expect, afterEach } from 'vitest'
import { spawn, type ChildProcess } from 'node:child_process'
import { processAlive, processStartTime } from '../../src-main/core/store/process-alive'

const children: ChildProcess[] = []
afterEach(() => {
  for (const c of children.splice(0)) c.kill('SIGKILL')
})

const onLinux = process.platform === 'linux'

describe('processAlive', () => {
  it.runIf(onLinux)('counts a zombie (exited, never reaped by its parent) as dead', async () => {
    // `sleep 0.1` is a child of the shell, which then execs into a sleep that never reaps it.
    const sh = spawn('sh', ['-c', 'sleep 0.1 & echo $!; exec sleep 30'], { stdio: ['ignore', 'pipe', 'ignore'] })
    children.push(sh)
    const pid = Number(await new Promise<string>((ok) => sh.stdout!.once('data', (d) => ok(String(d).trim()))))
    await new Promise((r) => setTimeout(r, 600))
    // Signal 0 still "reaches" a zombie: the old check would call it alive.
    expect(() => process.kill(pid, 0)).not.toThrow()
    expect(processAlive(pid)).toBe(false)
    expect(processAlive(sh.pid!)).toBe(true)
  })

  it.runIf(onLinux)('tells a pid reused by another process from the one that held it (start time)', () => {
    const start = processStartTime(process.pid)
    expect(start).toMatch(/^\d+$/)
    expect(processAlive(process.pid, start)).toBe(true)
    expect(processAlive(process.pid, String(Number(start) + 1))).toBe(false)
    expect(processAlive(999_999_999)).toBe(false)
    expect(processAlive(null)).toBe(false)
  })
})

/**
 * The host parses what a worker sends against the protocol's schemas (workers/protocol.ts): a
 * real worker process that sends a malformed message fails its run with a reason naming the
 * message and the field, and is stopped; the run records nothing of what it sent.
 */
import { describe, it, expect, afterEach } from 'vitest'
import { WorkbenchHost } from '../../src-main/host/workbench-host'
import { NodeWorkerLauncher } from '../../src-main/host/node-worker-launcher'
import { EXPERIMENTS, REPO, tempDir, until } from '../helpers/workspace'
import { join } from 'node:path'
import type { RunDetail } from '../../src-main/contract/api'

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

describe('worker messages are parsed, not cast', () => {
  it('a malformed epoch fails the run with the field named, and ends the worker', async () => {
    const tmp = tempDir()
    const host = new WorkbenchHost({
      workspaceDir: tmp.dir,
      // The data worker is the real one (it stores the spec's generated data); the training worker breaks the protocol.
      launcher: new NodeWorkerLauncher({ bundledEntries: { training: join(REPO, 'test/helpers/malformed-training-worker.mjs') } }),
      frontDoor: 'web',
      experimentsDir: EXPERIMENTS,
      concurrency: 1
    })
    cleanups.push(tmp.remove, () => host.close())
    const { runId } = (await host.call('runs.start', { file: 'helios-detection-iforest.json' })) as { runId: number }
    const run = await host.runs.waitFor(runId)
    expect(run.status).toBe('failed')
    expect(run.statusReason).toMatch(/the training worker sent an unreadable 'epoch' message \(metrics\.loss: .+\); the worker was stopped/)
    const detail = (await host.call('runs.get', { id: runId })) as RunDetail
    // Nothing of the malformed message was recorded, and nothing the worker said after it.
    expect(detail.epochs).toEqual([])
    expect(detail.logs.some((l) => l.message.includes('still here'))).toBe(false)
    // What it said before (a well-formed message) was.
    expect(detail.backend).toEqual({ name: 'stand-in', skipped: [] })
    const pid = run.workerPid!
    await until(() => !alive(pid), 10_000, `the worker (pid ${pid}) to be stopped`)
  }, 120_000)
})

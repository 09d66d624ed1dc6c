/**
 * What `workbench run` asks of the contract, asked in-process: queue a search that this host
 * alone serves (`focus`), wait for it to end (`queue.wait`) while `queue.changed` / `run.changed`
 * tell the progress, and the trial ids of what was queued; dataset jobs that fail say whose fault
 * it is (`errorCode`). Real hosts on real SQLite files, real worker processes.
 */
import { describe, it, expect, afterEach } from 'vitest'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { makeHost, smallForestGrid, tempDir } from '../helpers/workspace'
import type { JobProgress, Leaderboard, QueuedExperiment, QueueResult } from '../../src-main/contract/api'
import type { WorkbenchHost } from '../../src-main/host/workbench-host'

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

function workspace(): string {
  const tmp = tempDir('wb-queue-contract-')
  cleanups.push(tmp.remove)
  return join(tmp.dir, 'ws')
}

function host(ws: string): WorkbenchHost {
  const h = makeHost(ws, { concurrency: 1 })
  cleanups.push(() => h.close())
  return h
}

const grid = (name: string, contamination: number[]) => smallForestGrid(name, { contamination })

describe('queueing and waiting through the contract', () => {
  it('a focused search runs alone on this host; queue.wait answers its summary once it has ended', async () => {
    const ws = workspace()
    // Another process queued a search and went away before running it.
    const before = host(ws)
    before.scheduler.shutdown()
    await before.call('experiments.queue', { spec: grid('older', [0.03, 0.05]) })
    await before.close()

    const h = host(ws)
    // The host says how many trials it runs at once (one here), for the queue view to show.
    expect(await h.call('app.info', {})).toMatchObject({ concurrency: 1 })
    const moved: string[] = []
    h.onEvent((event) => {
      if (event === 'queue.changed' || event === 'run.changed') moved.push(event)
    })
    const q = (await h.call('experiments.queue', { spec: grid('mine', [0.04, 0.06]), source: '/somewhere/mine.json', focus: true })) as QueueResult
    expect(q).toMatchObject({ total: 2, added: 2, alreadyDone: 0 })
    expect(q.trialIds).toHaveLength(2)

    const summary = (await h.call('queue.wait', { experimentId: q.experimentId })) as QueuedExperiment
    expect(summary).toMatchObject({ id: q.experimentId, name: 'mine', sourceFile: '/somewhere/mine.json', counts: { done: 2, queued: 0, running: 0, failed: 0 } })
    expect(moved).toContain('queue.changed')
    expect(moved).toContain('run.changed')
    const board = (await h.call('queue.leaderboard', { experimentId: q.experimentId })) as Leaderboard
    expect(board.rows.map((r) => r.trialId).sort((a, b) => a - b)).toEqual([...q.trialIds].sort((a, b) => a - b))

    // The older search was left for another process: nothing of it ran here.
    const older = ((await h.call('queue.list', {})) as QueuedExperiment[]).find((e) => e.name === 'older')!
    expect(older.counts).toMatchObject({ queued: 2, running: 0, done: 0 })
  })

  it('queue.wait on a search with nothing left answers at once; an unknown experiment is not_found', async () => {
    const h = host(workspace())
    const q = (await h.call('experiments.queue', { spec: grid('once', [0.05]), focus: true })) as QueueResult
    await h.call('queue.wait', { experimentId: q.experimentId })
    const again = (await h.call('experiments.queue', { spec: grid('once', [0.05]), focus: true })) as QueueResult
    expect(again).toMatchObject({ experimentId: q.experimentId, added: 0, alreadyDone: 1, trialIds: q.trialIds })
    expect(await h.call('queue.wait', { experimentId: q.experimentId })).toMatchObject({ counts: { done: 1 } })
    await expect(h.call('queue.wait', { experimentId: 999 })).rejects.toMatchObject({ code: 'not_found', path: 'experimentId' })
  })

  it('a dataset job the worker refuses ends with errorCode bad_input, naming the file and line', async () => {
    const ws = workspace()
    const h = host(ws)
    const ragged = join(ws, 'ragged.csv')
    writeFileSync(ragged, 'timestamp,a,b\n2024-01-01T00:00:00Z,1,2\n2024-01-01T00:01:00Z,1\n')
    const events: JobProgress[] = []
    h.onEvent((event, payload) => {
      if (event === 'dataset.job') events.push(payload as JobProgress)
    })
    const { jobId } = (await h.call('datasets.import', { files: [ragged], options: {} })) as { jobId: string }
    const outcome = await h.jobs.waitFor(jobId)
    expect(outcome.errorCode).toBe('bad_input')
    const last = events.filter((e) => e.jobId === jobId).at(-1)!
    expect(last).toMatchObject({ done: true, datasetId: null, errorCode: 'bad_input', error: expect.stringMatching(/ragged\.csv:3/) })
  })
})

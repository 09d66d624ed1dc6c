/**
 * The persistent trial queue: grid expansion, exactly-once trials, pause / resume / cancel /
 * retry / priority, early stop, and restart safety under SIGKILL of the process running a search.
 */
import { describe, it, expect } from 'vitest'
import { spawn, spawnSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { hostsPerTest, makeHost, smallForestGrid, tempDir, until, REPO } from '../helpers/workspace'
import type { WorkbenchHost } from '../../src-main/host/workbench-host'
import type { Leaderboard, QueueResult } from '../../src-main/contract/api'
import { parseSpec } from '../../src-main/core/search/spec'

const parseSpecForTest = (v: unknown) => parseSpec(v)

const { newHost, defer } = hostsPerTest()
const setup = (concurrency = 2): WorkbenchHost => newHost({ prefix: 'wb-queue-', concurrency }).host

const grid = (name: string, space: Record<string, unknown[]>, extra: Record<string, unknown> = {}) => ({
  ...smallForestGrid(name, space),
  objective: { metric: 'f1', direction: 'maximize' },
  targets: ['rocAuc >= 0.5'],
  ...extra
})

async function queue(host: WorkbenchHost, spec: unknown): Promise<QueueResult> {
  return (await host.call('experiments.queue', { spec })) as QueueResult
}

describe('trial queue', () => {
  it('runs a grid two at a time, ranks it, and never queues a known trial twice', async () => {
    const host = setup(2)
    let maxRunning = 0
    host.scheduler.on('changed', () => (maxRunning = Math.max(maxRunning, host.scheduler.runningCount())))
    const first = await queue(host, grid('g1', { contamination: [0.03, 0.05], maxSamples: [64, 128] }))
    expect(first).toMatchObject({ total: 4, added: 4, alreadyDone: 0 })
    await host.scheduler.waitForExperiment(first.experimentId)
    expect(maxRunning).toBe(2)
    const board = (await host.call('queue.leaderboard', { experimentId: first.experimentId })) as Leaderboard
    expect(board.experiment.counts).toMatchObject({ done: 4, queued: 0, running: 0 })
    expect(board.rows.map((r) => r.rank)).toEqual([1, 2, 3, 4])
    expect(board.rows[0].objectiveValue!).toBeGreaterThanOrEqual(board.rows[3].objectiveValue!)
    expect(board.searchedParams).toEqual(['contamination', 'maxSamples'])
    expect(board.experiment.targetsMetBy).toHaveLength(4)

    // The same spec again: nothing new. A wider grid: only the new trials.
    expect(await queue(host, grid('g1', { contamination: [0.03, 0.05], maxSamples: [64, 128] }))).toMatchObject({ added: 0, alreadyDone: 4 })
    const wider = await queue(host, grid('g1', { contamination: [0.03, 0.05, 0.08], maxSamples: [64, 128] }))
    expect(wider).toMatchObject({ total: 6, added: 2, alreadyDone: 4 })
    await host.scheduler.waitForExperiment(wider.experimentId)
    const runsPerTrial = host.workspace.db.prepare("SELECT trial_id, COUNT(*) AS n FROM runs WHERE status = 'done' GROUP BY trial_id").all() as { n: number }[]
    expect(runsPerTrial).toHaveLength(6)
    expect(runsPerTrial.every((r) => r.n === 1)).toBe(true)
  })

  it('refuses a bad grid before queueing anything, naming the field', async () => {
    const host = setup()
    await expect(queue(host, grid('bad', { contamination: [0.05, 0.9] }))).rejects.toMatchObject({ issues: [{ path: 'search.space.contamination.1' }] })
    expect(await host.call('queue.list', {})).toEqual([])
  })

  it('pause stops new trials, resume continues; cancel and retry act on trials', async () => {
    const host = setup(1)
    const q = await queue(host, grid('p', { contamination: [0.02, 0.03, 0.04, 0.05] }))
    await host.call('queue.pause', { experimentId: q.experimentId })
    await host.scheduler.waitForExperiment(q.experimentId)
    const paused = (await host.call('queue.leaderboard', { experimentId: q.experimentId })) as Leaderboard
    expect(paused.experiment.status).toBe('paused')
    expect(paused.experiment.counts.queued).toBeGreaterThanOrEqual(3)
    // Reorder: the last trial first.
    const last = paused.rows.find((r) => r.ordinal === 3)!
    await host.call('queue.setPriority', { trialId: last.trialId, priority: 10 })
    const cancelled = paused.rows.find((r) => r.ordinal === 2)!
    await host.call('queue.cancelTrial', { trialId: cancelled.trialId })
    await host.call('queue.resume', { experimentId: q.experimentId })
    await host.scheduler.waitForExperiment(q.experimentId)
    const board = (await host.call('queue.leaderboard', { experimentId: q.experimentId })) as Leaderboard
    expect(board.experiment.counts).toMatchObject({ cancelled: 1, queued: 0 })
    // Runs are numbered as trials are claimed. Trial 0 may have started before the pause took hold;
    // after the resume the raised trial 3 ran first, then trial 1, and the cancelled trial 2 never.
    const runOrder = board.rows.filter((r) => r.status === 'done' && r.ordinal > 0).sort((a, b) => a.runId! - b.runId!)
    expect(runOrder.map((r) => r.ordinal)).toEqual([3, 1])
    expect(await host.call('queue.retry', { experimentId: q.experimentId, includeCancelled: true })).toEqual({ requeued: 1 })
    await host.scheduler.waitForExperiment(q.experimentId)
    expect(((await host.call('queue.leaderboard', { experimentId: q.experimentId })) as Leaderboard).experiment.counts.done).toBe(4)
  })

  it('stops early once a trial meets every target, when the spec asks', async () => {
    const host = setup(1)
    const q = await queue(host, grid('early', { contamination: [0.02, 0.03, 0.04, 0.05, 0.06] }, { stopWhenTargetsMet: true }))
    await host.scheduler.waitForExperiment(q.experimentId)
    const board = (await host.call('queue.leaderboard', { experimentId: q.experimentId })) as Leaderboard
    expect(board.experiment.counts.done).toBe(1)
    expect(board.experiment.counts.skipped).toBe(4)
  })

  it('survives SIGKILL of the CLI mid-search, repeatedly: every trial completes exactly once', async () => {
    const tmp = tempDir('wb-kill-')
    defer(tmp.remove)
    const spec = join(tmp.dir, 'kill.json')
    writeFileSync(
      spec,
      JSON.stringify({
        ...grid('kill', { contamination: [0.03, 0.05], nEstimators: [200, 400], maxSamples: [128, 256] }),
        dataset: { generator: 'helios-detection', params: { days: 30, seed: 3 } }
      })
    )
    const ws = join(tmp.dir, 'ws')
    const args = [join(REPO, 'bin/workbench.cjs'), 'run', spec, '--workspace', ws, '--json']
    const doneCount = () => {
      try {
        const db = new Database(join(ws, 'workbench.db'), { readonly: true, fileMustExist: true })
        try {
          return (db.prepare("SELECT COUNT(*) FROM trials WHERE status = 'done'").pluck().get() as number) ?? 0
        } finally {
          db.close()
        }
      } catch {
        return -1
      }
    }
    let killed = 0
    for (let attempt = 0; attempt < 3; attempt++) {
      const before = Math.max(0, doneCount())
      if (before >= 8) break
      const cli = spawn(process.execPath, args, { stdio: 'ignore' })
      // Listened for at once: a CLI that finishes the search before the kill has exited by then.
      const exited = new Promise((r) => cli.once('exit', r))
      // Kill it once it has made progress, in the middle of the search.
      await until(() => doneCount() > before, 120_000, 'a trial to finish')
      await new Promise((r) => setTimeout(r, 300 + attempt * 200))
      if (cli.exitCode === null && cli.signalCode === null) {
        cli.kill('SIGKILL')
        killed++
      }
      await exited
    }
    expect(killed).toBeGreaterThan(0)
    const final = spawnSync(process.execPath, args, { encoding: 'utf8', timeout: 300_000 })
    expect(final.status, final.stderr).toBe(0)
    const out = JSON.parse(final.stdout)
    expect(out.total).toBe(8)
    expect(out.counts).toMatchObject({ done: 8, queued: 0, running: 0, failed: 0 })
    const db = new Database(join(ws, 'workbench.db'), { readonly: true })
    defer(() => {
      db.close()
    })
    const perTrial = db.prepare("SELECT trial_id, COUNT(*) AS n FROM runs WHERE status = 'done' GROUP BY trial_id").all() as { n: number }[]
    expect(perTrial).toHaveLength(8)
    expect(perTrial.every((r) => r.n === 1)).toBe(true)
    expect(db.prepare("SELECT COUNT(*) FROM runs WHERE status = 'running'").pluck().get()).toBe(0)
    expect(db.prepare("SELECT COUNT(*) FROM runs WHERE status = 'interrupted'").pluck().get()).toBeGreaterThan(0)
  })

  it('a CLI run serves its own search, not older queued trials of the workspace', async () => {
    const tmp = tempDir('wb-focus-')
    defer(tmp.remove)
    const ws = join(tmp.dir, 'ws')
    const other = makeHost(ws)
    other.scheduler.shutdown() // queue without running: as if the app had queued it and quit
    await other.queue.enqueue(parseSpecForTest(grid('older', { contamination: [0.03, 0.05] })), null)
    await other.close()
    const specFile = join(tmp.dir, 'mine.json')
    writeFileSync(specFile, JSON.stringify(grid('mine', { contamination: [0.04] })))
    const r = spawnSync(process.execPath, [join(REPO, 'bin/workbench.cjs'), 'run', specFile, '--workspace', ws, '--json'], { encoding: 'utf8', timeout: 120_000 })
    expect(r.status, r.stderr).toBe(0)
    expect(JSON.parse(r.stdout)).toMatchObject({ experiment: 'mine', status: 'done' })
    const db = new Database(join(ws, 'workbench.db'), { readonly: true })
    defer(() => {
      db.close()
    })
    const older = db.prepare("SELECT t.status FROM trials t JOIN experiments e ON e.id = t.experiment_id WHERE e.name = 'older'").pluck().all()
    expect(older).toEqual(['queued', 'queued'])
  })
})

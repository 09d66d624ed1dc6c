/**
 * Warm training workers (host/training-workers.ts): consecutive trials share one process, a
 * search may ask for a process per trial, and a warm worker that dies or is cancelled under a
 * trial costs that trial only — run again in a fresh process, done exactly once.
 */
import { describe, it, expect } from 'vitest'
import { hostsPerTest, smallForestGrid, until } from '../helpers/workspace'
import type { WorkbenchHost } from '../../src-main/host/workbench-host'
import type { QueueResult } from '../../src-main/contract/api'
import { DEFAULT_WARM_WORKERS } from '../../src-main/host/training-workers'

const { newHost } = hostsPerTest()

/** Trials of a few seconds each (`trees` more for longer): long enough to be caught in the middle of one. */
const slowGrid = (name: string, seeds: number[], trees = 800) => ({
  name,
  dataset: { generator: 'helios-detection', params: { days: 60, seed: 5 } },
  split: { kind: 'time', trainFraction: 0.6 },
  model: { kind: 'iforest', params: { nEstimators: trees, maxSamples: 512 } },
  search: { kind: 'grid', space: { seed: seeds } }
})

async function queue(host: WorkbenchHost, spec: unknown): Promise<number> {
  return ((await host.call('experiments.queue', { spec })) as QueueResult).experimentId
}

interface RunRow {
  id: number
  trial_id: number
  status: string
  status_reason: string | null
  worker_pid: number
}
const runsOf = (host: WorkbenchHost, experimentId: number) =>
  host.workspace.db.prepare('SELECT id, trial_id, status, status_reason, worker_pid FROM runs WHERE experiment_id = ? ORDER BY id').all(experimentId) as RunRow[]

const logsOf = (host: WorkbenchHost, runId: number) => (host.workspace.db.prepare('SELECT message FROM run_logs WHERE run_id = ?').pluck().all(runId) as string[]).join('\n')

/** Trial id → how many of its runs are done; every trial of the experiment listed. */
const donePerTrial = (host: WorkbenchHost, experimentId: number) =>
  host.workspace.db
    .prepare(`SELECT t.id, (SELECT COUNT(*) FROM runs r WHERE r.trial_id = t.id AND r.status = 'done') AS n FROM trials t WHERE t.experiment_id = ? ORDER BY t.id`)
    .all(experimentId) as { id: number; n: number }[]

/** The second trial's run once it is fitting in the worker that ran the first. */
async function secondTrialWarm(host: WorkbenchHost, experimentId: number): Promise<RunRow> {
  let second: RunRow | undefined
  await until(
    () => {
      const rows = runsOf(host, experimentId)
      second = rows[1]
      return second?.status === 'running' && second.worker_pid === rows[0].worker_pid && host.runs.liveProgress(second.id)?.stage === 'fitting'
    },
    90_000,
    'the second trial to be fitting in the warm worker'
  )
  return second!
}

describe('warm training workers', () => {
  it('consecutive trials run in one worker process, which stays warm after', async () => {
    const { host } = newHost({ prefix: 'wb-warm-', concurrency: 1 })
    const id = await queue(host, smallForestGrid('warm', { contamination: [0.03, 0.05, 0.07, 0.09] }))
    await host.scheduler.waitForExperiment(id)
    const rows = runsOf(host, id)
    expect(rows.map((r) => r.status)).toEqual(['done', 'done', 'done', 'done'])
    expect(new Set(rows.map((r) => r.worker_pid)).size).toBe(1)
    expect(rows[0].worker_pid).not.toBe(process.pid)
    expect(host.runs.workerCount()).toBe(1)
    // The run's log says which: the first trial paid the process start, the others did not.
    const logs = (runId: number) => logsOf(host, runId)
    expect(logs(rows[0].id)).toMatch(/new worker pid \d+ \(process up in \d+ ms\)/)
    expect(logs(rows[3].id)).toMatch(/warm worker pid \d+ \(trial 4 on it, \d+ MB resident\)/)
    // Identical trees (a search over contamination only) are stored once.
    expect(host.workspace.db.prepare('SELECT COUNT(*) FROM model_blobs').pluck().get()).toBe(1)
  })

  it("isolation 'process-per-trial' gives every trial a process of its own, ended after it", async () => {
    const { host } = newHost({ prefix: 'wb-isolated-', concurrency: 1 })
    const id = await queue(host, { ...smallForestGrid('isolated', { contamination: [0.03, 0.05, 0.07] }), isolation: 'process-per-trial' })
    await host.scheduler.waitForExperiment(id)
    const rows = runsOf(host, id)
    expect(rows.map((r) => r.status)).toEqual(['done', 'done', 'done'])
    expect(new Set(rows.map((r) => r.worker_pid)).size).toBe(3)
    await until(() => host.runs.workerCount() === 0, 10_000, 'the last worker to exit')
  })

  it('a worker is retired after its trial budget, or when its memory passes the bound', async () => {
    const budget = newHost({ prefix: 'wb-budget-', concurrency: 1, warmWorkers: { ...DEFAULT_WARM_WORKERS, maxTrials: 2 } }).host
    const a = await queue(budget, smallForestGrid('budget', { contamination: [0.03, 0.05, 0.07, 0.09] }))
    await budget.scheduler.waitForExperiment(a)
    const pids = runsOf(budget, a).map((r) => r.worker_pid)
    expect(pids[1]).toBe(pids[0])
    expect(pids[3]).toBe(pids[2])
    expect(pids[2]).not.toBe(pids[0])
    // Every process is bigger than one byte: none is reused.
    const small = newHost({ prefix: 'wb-rss-', concurrency: 1, warmWorkers: { ...DEFAULT_WARM_WORKERS, maxRssBytes: 1 } }).host
    const b = await queue(small, smallForestGrid('rss', { contamination: [0.03, 0.05, 0.07] }))
    await small.scheduler.waitForExperiment(b)
    expect(new Set(runsOf(small, b).map((r) => r.worker_pid)).size).toBe(3)
  })

  it('a warm worker killed mid-trial: that trial runs again in a fresh process and is done once; the next trials go on', async () => {
    const { host } = newHost({ prefix: 'wb-warm-kill-', concurrency: 1 })
    const id = await queue(host, slowGrid('warm-kill', [1, 2, 3, 4]))
    const victim = await secondTrialWarm(host, id)
    process.kill(victim.worker_pid, 'SIGKILL')
    await host.scheduler.waitForExperiment(id)

    expect(donePerTrial(host, id).map((t) => t.n)).toEqual([1, 1, 1, 1])
    const rows = runsOf(host, id)
    const ofVictim = rows.filter((r) => r.trial_id === victim.trial_id)
    expect(ofVictim.map((r) => r.status)).toEqual(['interrupted', 'done'])
    expect(ofVictim[0].status_reason).toMatch(/warm worker process \(after 1 earlier trial\) was killed by SIGKILL before finishing; the trial runs again in a fresh process/)
    expect(logsOf(host, ofVictim[1].id)).toMatch(/new worker pid \d+/)
    // The rerun and the trials after it ran elsewhere than the dead process, and nothing ran twice.
    const after = rows.filter((r) => r.id > victim.id)
    expect(after.every((r) => r.worker_pid !== victim.worker_pid)).toBe(true)
    expect(rows.filter((r) => r.status === 'failed')).toEqual([])
  })

  it('a trial cancelled on a warm worker is cancelled; the search goes on', async () => {
    const { host } = newHost({ prefix: 'wb-warm-cancel-', concurrency: 1 })
    // A fit is synchronous: the worker reads the cancel after it, or is ended 1.5 s after the
    // request (run-manager.ts). Trials of many trees are still fitting then.
    const id = await queue(host, slowGrid('warm-cancel', [1, 2, 3], 4000))
    const victim = await secondTrialWarm(host, id)
    expect(await host.call('runs.cancel', { id: victim.id })).toEqual({ cancelled: true })
    await host.scheduler.waitForExperiment(id)
    const rows = runsOf(host, id)
    expect(rows.map((r) => r.status)).toEqual(['done', 'cancelled', 'done'])
    expect(rows[1].status_reason).toBe('cancelled by the user')
  })
})

/**
 * Exactly once for real: several processes on one workspace, kills at chosen points, SIGTERM,
 * and searches too large to enumerate. Every process here is a real `workbench` CLI (or a real
 * host) on a real SQLite file; kills are real signals.
 */
import { describe, it, expect, afterEach } from 'vitest'
import type { ChildProcess } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { makeHost, smallForestSpec, spawnWorkbench, tempDir, until, type WorkbenchExit } from '../helpers/workspace'
import { WorkbenchHost } from '../../src-main/host/workbench-host'
import { NodeWorkerLauncher } from '../../src-main/host/node-worker-launcher'

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

/** A `workbench` process; `exited` resolves with its status and output. */
function cli(args: string[], env: Record<string, string> = {}): { child: ChildProcess; exited: Promise<WorkbenchExit> } {
  const { child, exited } = spawnWorkbench(args, env)
  cleanups.push(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  })
  return { child, exited }
}

function withDb<T>(ws: string, fn: (db: Database.Database) => T): T {
  const db = new Database(join(ws, 'workbench.db'), { readonly: true, fileMustExist: true })
  try {
    return fn(db)
  } finally {
    db.close()
  }
}

/** Safe while the file may not exist yet. */
function query<T>(ws: string, sql: string, ...params: unknown[]): T[] {
  try {
    return withDb(ws, (db) => db.prepare(sql).all(...params) as T[])
  } catch {
    return []
  }
}

const doneRunsPerTrial = (ws: string) => query<{ trial_id: number; n: number }>(ws, `SELECT trial_id, COUNT(*) AS n FROM runs WHERE status = 'done' GROUP BY trial_id ORDER BY trial_id`)
const trialStatuses = (ws: string) => query<{ id: number; status: string }>(ws, 'SELECT id, status FROM trials ORDER BY id')

function spec(dir: string, name: string, extra: Record<string, unknown> = {}): string {
  const file = join(dir, `${name}.json`)
  writeFileSync(
    file,
    JSON.stringify({ ...smallForestSpec(name), ...extra })
  )
  return file
}

/** Trials of a few seconds each, so a process can be caught in the middle of one. */
const slow = { dataset: { generator: 'helios-detection', params: { days: 60, seed: 5 } }, model: { kind: 'iforest', params: { nEstimators: 800, maxSamples: 512 } } }

describe('exactly-once outcomes', () => {
  it('a kill inside the outcome write (run written, trial not) rolls back: the trial runs again and is done once', async () => {
    const tmp = tempDir('wb-crash1-')
    cleanups.push(tmp.remove)
    const ws = join(tmp.dir, 'ws')
    const file = spec(tmp.dir, 'crash-inside')
    const first = await cli(['run', file, '--workspace', ws, '--json'], { WORKBENCH_CRASH_AT: 'outcome:after-run-write' }).exited
    expect(first.signal).toBe('SIGKILL')
    // Nothing of the outcome was committed.
    expect(query(ws, `SELECT id FROM runs WHERE status = 'done'`)).toEqual([])
    const second = await cli(['run', file, '--workspace', ws, '--json']).exited
    expect(second.code, second.stderr).toBe(0)
    expect(doneRunsPerTrial(ws)).toEqual([{ trial_id: 1, n: 1 }])
    expect(query<{ status: string }>(ws, 'SELECT status FROM runs ORDER BY id').map((r) => r.status)).toEqual(['interrupted', 'done'])
  })

  it('a kill right after the outcome write does not run the trial again', async () => {
    const tmp = tempDir('wb-crash2-')
    cleanups.push(tmp.remove)
    const ws = join(tmp.dir, 'ws')
    const file = spec(tmp.dir, 'crash-after')
    const first = await cli(['run', file, '--workspace', ws, '--json'], { WORKBENCH_CRASH_AT: 'outcome:after-commit' }).exited
    expect(first.signal).toBe('SIGKILL')
    expect(trialStatuses(ws)).toEqual([{ id: 1, status: 'done' }])
    const second = await cli(['run', file, '--workspace', ws, '--json']).exited
    expect(second.code, second.stderr).toBe(0)
    expect(second.stderr).toMatch(/1 of 1 trials already done/)
    expect(doneRunsPerTrial(ws)).toEqual([{ trial_id: 1, n: 1 }])
  })

  it('a done run under a trial left "running" by a dead process settles the trial instead of requeueing it', async () => {
    // The state an older workbench left when killed between its two writes: run done, trial running.
    const tmp = tempDir('wb-settle-')
    cleanups.push(tmp.remove)
    const ws = join(tmp.dir, 'ws')
    const file = spec(tmp.dir, 'settle')
    expect((await cli(['run', file, '--workspace', ws, '--json']).exited).code).toBe(0)
    const db = new Database(join(ws, 'workbench.db'))
    db.prepare(`UPDATE trials SET status = 'running', host_pid = 999999999`).run()
    db.close()
    const again = await cli(['run', file, '--workspace', ws, '--json']).exited
    expect(again.code, again.stderr).toBe(0)
    expect(JSON.parse(again.stdout)).toMatchObject({ runId: 1, status: 'done' })
    expect(doneRunsPerTrial(ws)).toEqual([{ trial_id: 1, n: 1 }])
    expect(trialStatuses(ws)).toEqual([{ id: 1, status: 'done' }])
  })
})

describe('warm workers under kill', () => {
  it('a CLI killed while its warm worker is mid-trial: the worker exits, and the next run does every trial exactly once', async () => {
    const tmp = tempDir('wb-warm-cli-')
    cleanups.push(tmp.remove)
    const ws = join(tmp.dir, 'ws')
    const file = spec(tmp.dir, 'warm-cli', { ...slow, search: { kind: 'grid', space: { seed: [1, 2, 3, 4] } } })
    const first = cli(['run', file, '--workspace', ws, '--json'])
    // A trial running in a process that ran an earlier one (two slots on two cores: the third trial or later).
    const warm = () =>
      query<{ trial_id: number; worker_pid: number }>(
        ws,
        `SELECT r.trial_id, r.worker_pid FROM runs r WHERE r.status = 'running' AND EXISTS (SELECT 1 FROM runs d WHERE d.status = 'done' AND d.worker_pid = r.worker_pid)`
      )[0]
    let found: ReturnType<typeof warm>
    await until(() => (found = warm()) !== undefined, 90_000, 'a trial to run in a warm worker')
    const { trial_id: victim, worker_pid: workerPid } = found!
    first.child.kill('SIGKILL')
    await first.exited
    // The orphaned warm worker notices its parent is gone and ends (parent-channel.ts).
    await until(
      () => {
        try {
          process.kill(workerPid, 0)
          return false
        } catch {
          return true
        }
      },
      10_000,
      'the orphaned warm worker to exit'
    )
    const second = await cli(['run', file, '--workspace', ws, '--json']).exited
    expect(second.code, second.stderr).toBe(0)
    expect(JSON.parse(second.stdout).counts).toMatchObject({ done: 4, queued: 0, running: 0, failed: 0 })
    expect(doneRunsPerTrial(ws)).toEqual([1, 2, 3, 4].map((id) => ({ trial_id: id, n: 1 })))
    expect(query<{ status: string }>(ws, 'SELECT status FROM runs WHERE trial_id = ? ORDER BY id', victim).map((r) => r.status)).toEqual(['interrupted', 'done'])
  })
})

describe('several processes on one workspace', () => {
  it('two CLIs on one spec both exit when the search is done, every trial done once', async () => {
    const tmp = tempDir('wb-two-')
    cleanups.push(tmp.remove)
    const ws = join(tmp.dir, 'ws')
    const file = spec(tmp.dir, 'shared', { search: { kind: 'grid', space: { contamination: [0.02, 0.03, 0.04, 0.05, 0.06, 0.07] } } })
    const a = cli(['run', file, '--workspace', ws, '--json'])
    const b = cli(['run', file, '--workspace', ws, '--json'])
    const [ea, eb] = await Promise.all([a.exited, b.exited])
    expect(ea.code, ea.stderr).toBe(0)
    expect(eb.code, eb.stderr).toBe(0)
    for (const e of [ea, eb]) expect(JSON.parse(e.stdout).counts).toMatchObject({ done: 6, queued: 0, running: 0, failed: 0 })
    const perTrial = doneRunsPerTrial(ws)
    expect(perTrial).toHaveLength(6)
    expect(perTrial.every((r) => r.n === 1)).toBe(true)
  })

  it('a survivor reclaims the trial of a peer killed mid-trial, within the lease', async () => {
    const tmp = tempDir('wb-survivor-')
    cleanups.push(tmp.remove)
    const ws = join(tmp.dir, 'ws')
    const leaseMs = 20_000
    const file = spec(tmp.dir, 'survivor', { ...slow, search: { kind: 'grid', space: { seed: [1, 2, 3, 4] } } })
    const env = { WORKBENCH_LEASE_MS: String(leaseMs) }
    const a = cli(['run', file, '--workspace', ws, '--json'], env)
    const b = cli(['run', file, '--workspace', ws, '--json'], env)
    // Wait until B is in the middle of a trial of its own.
    const bTrial = () =>
      query<{ id: number }>(ws, `SELECT t.id FROM trials t JOIN hosts h ON h.owner = t.owner WHERE t.status = 'running' AND h.pid = ?`, b.child.pid)[0]?.id
    await until(() => bTrial() !== undefined, 90_000, 'B to run a trial')
    const orphan = bTrial()!
    b.child.kill('SIGKILL')
    const killedAt = Date.now()
    await b.exited
    await until(() => query<{ status: string }>(ws, 'SELECT status FROM trials WHERE id = ?', orphan)[0]?.status !== 'running', leaseMs, `A to reclaim trial ${orphan} within the ${leaseMs} ms lease`)
    const reclaimedAfter = Date.now() - killedAt
    const ea = await a.exited
    expect(ea.code, ea.stderr).toBe(0)
    expect(reclaimedAfter).toBeLessThan(leaseMs)
    expect(JSON.parse(ea.stdout).counts).toMatchObject({ done: 4, queued: 0, running: 0, failed: 0 })
    const perTrial = doneRunsPerTrial(ws)
    expect(perTrial).toHaveLength(4)
    expect(perTrial.every((r) => r.n === 1)).toBe(true)
    // B's run of that trial was interrupted, not left running.
    expect(query(ws, `SELECT id FROM runs WHERE status = 'running'`)).toEqual([])
    expect(query<{ n: number }>(ws, `SELECT COUNT(*) AS n FROM runs WHERE trial_id = ? AND status = 'interrupted'`, orphan)[0].n).toBe(1)
  })

  it('a CLI run exits when `serve` on the same workspace runs some of its trials', async () => {
    const tmp = tempDir('wb-serve-cli-')
    cleanups.push(tmp.remove)
    const ws = join(tmp.dir, 'ws')
    // The app / `serve`: a host that serves the whole queue.
    const app = new WorkbenchHost({ workspaceDir: ws, launcher: new NodeWorkerLauncher(), frontDoor: 'web', runQueue: true, concurrency: 1 })
    cleanups.push(() => app.close())
    // The app is busy with a search of its own when the CLI queues one: as its slot frees, it
    // takes whatever is queued next, the CLI's trials included.
    await app.call('experiments.queue', { spec: JSON.parse(readFileSync(spec(tmp.dir, 'app-own', { ...slow, search: { kind: 'grid', space: { seed: [1, 2] } } }), 'utf8')) })
    const file = spec(tmp.dir, 'with-serve', { search: { kind: 'grid', space: { contamination: [0.02, 0.03, 0.04, 0.05, 0.06, 0.07] } } })
    const run = await cli(['run', file, '--workspace', ws, '--json']).exited
    expect(run.code, run.stderr).toBe(0)
    expect(JSON.parse(run.stdout).counts).toMatchObject({ done: 6, queued: 0, running: 0 })
    expect(doneRunsPerTrial(ws).every((r) => r.n === 1)).toBe(true)
  })

  it('two processes on one workspace over 20 runs never fail a trial on a lock', async () => {
    const tmp = tempDir('wb-locks-')
    cleanups.push(tmp.remove)
    const ws = join(tmp.dir, 'ws')
    const grid = { search: { kind: 'grid', space: { contamination: [0.02, 0.03, 0.04, 0.05, 0.06, 0.07, 0.08, 0.09, 0.1, 0.11] } } }
    const a = cli(['run', spec(tmp.dir, 'locks-a', grid), '--workspace', ws, '--json'])
    const b = cli(['run', spec(tmp.dir, 'locks-b', { ...grid, model: { kind: 'iforest', params: { nEstimators: 40, seed: 2 } } }), '--workspace', ws, '--json'])
    const [ea, eb] = await Promise.all([a.exited, b.exited])
    expect(ea.code, ea.stderr).toBe(0)
    expect(eb.code, eb.stderr).toBe(0)
    const statuses = query<{ status: string; n: number }>(ws, 'SELECT status, COUNT(*) AS n FROM runs GROUP BY status')
    expect(statuses).toEqual([{ status: 'done', n: 20 }])
    expect(`${ea.stderr}${eb.stderr}`).not.toMatch(/locked|busy/i)
  })

  it('SIGTERM stops a CLI run: exit 143, its run interrupted and its trial queued again', async () => {
    const tmp = tempDir('wb-term-')
    cleanups.push(tmp.remove)
    const ws = join(tmp.dir, 'ws')
    const file = spec(tmp.dir, 'term', slow)
    const r = cli(['run', file, '--workspace', ws, '--json'])
    await until(() => query(ws, `SELECT id FROM runs WHERE status = 'running'`).length === 1, 90_000, 'the run to start')
    r.child.kill('SIGTERM')
    const exit = await r.exited
    expect(exit.code).toBe(143)
    expect(exit.stderr).toMatch(/stopped by SIGTERM/)
    expect(query<{ status: string }>(ws, 'SELECT status FROM runs').map((x) => x.status)).toEqual(['interrupted'])
    expect(trialStatuses(ws)).toEqual([{ id: 1, status: 'queued' }])
    expect(query(ws, 'SELECT owner FROM hosts')).toEqual([])
  })
})

describe('searches too large to enumerate', () => {
  it('a 10^7-trial grid is refused at once with exit 2 naming the limit, and nothing is queued', async () => {
    const tmp = tempDir('wb-huge-')
    cleanups.push(tmp.remove)
    const ws = join(tmp.dir, 'ws')
    const ten = Array.from({ length: 10 }, (_, i) => i + 1)
    // 10 x 100 x 10 x 10 x 10 x 10 = 10^7 trials of valid values: only the size is wrong.
    const file = spec(tmp.dir, 'huge', {
      search: {
        kind: 'grid',
        space: {
          nEstimators: ten.map((v) => v * 10),
          seed: Array.from({ length: 100 }, (_, i) => i),
          contamination: ten.map((v) => v / 100),
          maxSamples: ten.map((v) => v * 16),
          maxFeatures: ten.map((v) => v / 10),
          bootstrap: ten.map((v) => v % 2 === 0)
        }
      }
    })
    const r = await cli(['run', file, '--workspace', ws]).exited
    expect(r.code, r.stderr).toBe(2)
    expect(r.stderr).toMatch(/search: 10,000,000 trials is more than the limit of 10,000 per search \(the maxTrialsPerSearch setting\)/)
    expect(query(ws, 'SELECT id FROM trials')).toEqual([])
  })

  it('a huge spec in the experiments folder is listed with its error, not expanded', async () => {
    const tmp = tempDir('wb-huge-list-')
    cleanups.push(tmp.remove)
    const values = Array.from({ length: 10 }, (_, i) => i + 1)
    spec(tmp.dir, 'huge-listed', {
      search: {
        kind: 'grid',
        space: {
          nEstimators: values.map((v) => v * 10),
          seed: Array.from({ length: 1000 }, (_, i) => i),
          contamination: values.map((v) => v / 100),
          maxSamples: values.map((v) => v * 16),
          maxFeatures: values.map((v) => v / 10)
        }
      }
    })
    const host = makeHost(join(tmp.dir, 'ws'), { experimentsDir: tmp.dir })
    cleanups.push(() => host.close())
    const list = (await host.call('experiments.list', {})) as { file: string; trials: number; error: string | null }[]
    expect(list).toHaveLength(1)
    expect(list[0].trials).toBe(10_000_000)
    expect(list[0].error).toMatch(/10,000,000 trials is more than the limit/)
    await expect(host.call('experiments.queue', { file: 'huge-listed.json' })).rejects.toMatchObject({ code: 'bad_input', path: 'search' })
  })

  it('a YAML alias bomb is exit 2 with a clear message, not a stack trace', async () => {
    const tmp = tempDir('wb-yaml-')
    cleanups.push(tmp.remove)
    const file = join(tmp.dir, 'bomb.yaml')
    const levels = ['a: &a ["x","x","x","x","x","x","x","x","x"]']
    for (let i = 1; i < 9; i++) {
      const p = String.fromCharCode(97 + i - 1)
      const c = String.fromCharCode(97 + i)
      levels.push(`${c}: &${c} [*${p},*${p},*${p},*${p},*${p},*${p},*${p},*${p},*${p}]`)
    }
    writeFileSync(file, `${levels.join('\n')}\nname: *i\n`)
    const r = await cli(['run', file, '--workspace', join(tmp.dir, 'ws')]).exited
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/bomb\.yaml: .*YAML refused: .*alias/i)
    expect(r.stderr).not.toMatch(/\n\s+at /)
  })
})

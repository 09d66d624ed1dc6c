/**
 * An interrupted deep trial continues from its last completed epoch: a real `workbench run` CLI
 * (host, worker process, SQLite file) is killed with SIGKILL after epoch 2 of a 5-epoch tiny LSTM
 * trial, and the next `workbench run` on the same spec finishes it from the checkpoint.
 */
import { describe, it, expect, afterEach } from 'vitest'
import { existsSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { spawnWorkbench, tempDir, tinyLstmSpec, until } from '../helpers/workspace'

const cleanups: (() => void)[] = []
afterEach(() => {
  for (const c of cleanups.splice(0).reverse()) c()
})

/** Rows of a query on the workspace database (none while the file does not exist yet). */
function query<T>(ws: string, sql: string, ...params: unknown[]): T[] {
  const file = join(ws, 'workbench.db')
  if (!existsSync(file)) return []
  let db: Database.Database | null = null
  try {
    db = new Database(file, { readonly: true, fileMustExist: true })
    return db.prepare(sql).all(...params) as T[]
  } catch {
    return []
  } finally {
    db?.close()
  }
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

describe('deep trials resume after an interruption', () => {
  it('a CLI killed after epoch 2 of a 5-epoch trial: the rerun resumes from epoch 2, one done run with epochs 1-5, checkpoints removed', { timeout: 300_000 }, async () => {
    const tmp = tempDir('wb-resume-')
    cleanups.push(tmp.remove)
    const ws = join(tmp.dir, 'ws')
    const file = join(tmp.dir, 'resume.json')
    // trainStride 1: epochs long enough (thousands of windows) that epoch 3 cannot finish between
    // the host storing epoch 2 and the kill.
    writeFileSync(file, JSON.stringify(tinyLstmSpec('resume', { epochs: 5, trainStride: 1, learningRate: 0.01, earlyStoppingPatience: null, seed: 1 })))

    const first = spawnWorkbench(['run', file, '--workspace', ws, '--json'])
    cleanups.push(() => {
      if (first.child.exitCode === null && first.child.signalCode === null) first.child.kill('SIGKILL')
    })
    let worker = 0
    await until(
      () => {
        const r = query<{ worker_pid: number | null; n: number }>(ws, `SELECT r.worker_pid, (SELECT COUNT(*) FROM run_epochs e WHERE e.run_id = r.id) AS n FROM runs r WHERE r.id = 1`)[0]
        if (!r || r.n < 2) return false
        worker = r.worker_pid ?? 0
        return true
      },
      240_000,
      'run 1 to store epoch 2'
    )
    // The host and its worker die together, as in a power cut or a killed app.
    first.child.kill('SIGKILL')
    if (worker) process.kill(worker, 'SIGKILL')
    await first.exited
    await until(() => !worker || !alive(worker), 10_000, 'the worker to exit')
    const stored = query<{ epoch: number }>(ws, 'SELECT epoch FROM run_epochs WHERE run_id = 1 ORDER BY epoch').map((e) => e.epoch)
    expect(stored).toEqual([1, 2])
    expect(existsSync(join(ws, 'artifacts', 'run-1', 'resume', 'state.json'))).toBe(true)

    const second = await spawnWorkbench(['run', file, '--workspace', ws, '--json']).exited
    expect(second.code, second.stderr).toBe(0)
    const runs = query<{ id: number; status: string; trial_id: number }>(ws, 'SELECT id, status, trial_id FROM runs ORDER BY id')
    expect(runs.map((r) => r.status)).toEqual(['interrupted', 'done'])
    expect(new Set(runs.map((r) => r.trial_id)).size).toBe(1)
    const done = runs[1].id
    const logs = query<{ level: string; message: string }>(ws, 'SELECT level, message FROM run_logs WHERE run_id = ? ORDER BY id', done)
    expect(logs.filter((l) => l.message.startsWith('resumed from'))).toEqual([{ level: 'info', message: expect.stringMatching(/^resumed from epoch 2 of run 1 \(best epoch [12]\)$/) }])
    const epochs = query<{ epoch: number; metrics: string }>(ws, 'SELECT epoch, metrics FROM run_epochs WHERE run_id = ? ORDER BY epoch', done)
    expect(epochs.map((e) => e.epoch)).toEqual([1, 2, 3, 4, 5])
    // The done epochs are the interrupted run's, replayed as they were.
    const before = query<{ metrics: string }>(ws, 'SELECT metrics FROM run_epochs WHERE run_id = 1 ORDER BY epoch')
    expect(epochs.slice(0, 2).map((e) => e.metrics)).toEqual(before.map((e) => e.metrics))
    // The trial is done: neither run keeps a resume checkpoint.
    expect(existsSync(join(ws, 'artifacts', 'run-1', 'resume'))).toBe(false)
    expect(existsSync(join(ws, 'artifacts', `run-${done}`, 'resume'))).toBe(false)
  })
})

/**
 * The host runs trials in real worker processes (child_process.fork of the same worker module
 * Electron forks as a utility process) and records them in a real SQLite file.
 */
import { describe, it, expect } from 'vitest'
import Database from 'better-sqlite3'
import { join } from 'node:path'
import { spawn } from 'node:child_process'
import { existsSync, writeFileSync } from 'node:fs'
import { hostsPerTest, makeHost, tempDir, slowSpec, until, REPO } from '../helpers/workspace'
import type { RunSummary } from '../../src-main/contract/api'

const { newHost: setup, defer } = hostsPerTest()

describe('training in a worker process', () => {
  it('trains the seed-002 experiment and writes everything to the workspace database', async () => {
    const { host, dir } = setup()
    const events: RunSummary[] = []
    host.onEvent((name, payload) => {
      if (name === 'run.changed') events.push(payload as RunSummary)
    })
    const { runId } = (await host.call('runs.start', { file: 'helios-detection-iforest.json' })) as { runId: number }
    const run = await host.runs.waitFor(runId)
    expect(run.status).toBe('done')
    expect(run.workerPid).not.toBe(process.pid)
    expect(events.map((e) => e.status)).toEqual(expect.arrayContaining(['queued', 'running', 'done']))

    // Read the file as another process would.
    const db = new Database(join(dir, 'workbench.db'), { readonly: true })
    defer(() => {
      db.close()
    })
    const row = db.prepare('SELECT status, metrics, confusion, threshold, train_dataset_id, test_dataset_id, validation_dataset_id FROM runs WHERE id = ?').get(runId) as {
      status: string
      metrics: string
      confusion: string
      threshold: number
      train_dataset_id: string
      test_dataset_id: string
      validation_dataset_id: string
    }
    expect(row.status).toBe('done')
    const metrics = JSON.parse(row.metrics)
    const cm = JSON.parse(row.confusion)
    expect(cm.tn + cm.fp + cm.fn + cm.tp).toBe(864)
    expect(metrics.rocAuc).toBeGreaterThan(0.9)
    expect(metrics.precision).toBeCloseTo(cm.tp / (cm.tp + cm.fp), 10)
    // Train on 7 days, validate on 3 days of a second seed, test on 3 days of a third.
    const datasets = db.prepare('SELECT id, rows FROM datasets ORDER BY rows').all() as { id: string; rows: number }[]
    expect(datasets.map((d) => d.rows)).toEqual([864, 864, 2016])
    expect(row.train_dataset_id).toBe(datasets[2].id)
    expect([row.test_dataset_id, row.validation_dataset_id].sort()).toEqual([datasets[0].id, datasets[1].id].sort())
    expect(row.test_dataset_id).not.toBe(row.validation_dataset_id)
    const scores = db.prepare('SELECT split, count, length(scores) AS bytes, dataset_id FROM run_scores WHERE run_id = ? ORDER BY split').all(runId)
    expect(scores).toEqual([
      { split: 'test', count: 864, bytes: 864 * 4, dataset_id: row.test_dataset_id },
      { split: 'train', count: 2016, bytes: 2016 * 4, dataset_id: row.train_dataset_id },
      { split: 'validation', count: 864, bytes: 864 * 4, dataset_id: row.validation_dataset_id }
    ])

    const epochs = db.prepare('SELECT epoch, confusion FROM run_epochs WHERE run_id = ? ORDER BY epoch').all(runId) as { epoch: number; confusion: string }[]
    expect(epochs.map((e) => e.epoch)).toEqual([10, 20, 30, 40, 50, 60, 70, 80, 90, 100])
    const lastCm = JSON.parse(epochs[epochs.length - 1].confusion)
    expect(lastCm.tn + lastCm.fp + lastCm.fn + lastCm.tp).toBe(2016)

    const detail = host.detail(runId)
    expect(detail.historyAxis).toBe('trees')
    expect(detail.targets.map((t) => t.text)).toEqual(['precision >= 0.953', 'recall >= 0.871', 'fpr <= 0.118'])
    expect(detail.targets.every((t) => typeof t.actual === 'number')).toBe(true)
    expect(detail.curves?.roc.fpr.length).toBeGreaterThan(2)
    expect(Object.keys(detail.recallByType)).toHaveLength(5)
    expect(detail.logs.length).toBeGreaterThan(0)
  })

  it('a worker killed mid-run marks its run failed with the reason, and the host keeps working', async () => {
    const { host } = setup()
    const { runId } = (await host.call('runs.start', { spec: slowSpec('killed') })) as { runId: number }
    await until(() => host.runs.liveProgress(runId) !== null, 60_000, 'the worker to report progress')
    const pid = host.workspace.db.prepare('SELECT worker_pid FROM runs WHERE id = ?').pluck().get(runId) as number
    expect(pid).toBeGreaterThan(0)
    expect(pid).not.toBe(process.pid)
    process.kill(pid!, 'SIGKILL')
    const run = await host.runs.waitFor(runId)
    expect(run.status).toBe('failed')
    expect(run.statusReason).toMatch(/killed by SIGKILL/)

    const again = (await host.call('runs.start', { file: 'helios-detection-iforest.json' })) as { runId: number }
    expect((await host.runs.waitFor(again.runId)).status).toBe('done')
  })

  it('cancel stops a running trial and marks it cancelled', async () => {
    const { host } = setup()
    const { runId } = (await host.call('runs.start', { spec: slowSpec('cancelled') })) as { runId: number }
    await until(() => host.runs.liveProgress(runId) !== null, 60_000, 'progress')
    expect(await host.call('runs.cancel', { id: runId })).toEqual({ cancelled: true })
    const run = await host.runs.waitFor(runId)
    expect(run.status).toBe('cancelled')
    expect(run.statusReason).toBe('cancelled by the user')
  })

  it('an error inside the worker fails the run with its message', async () => {
    const { host } = setup()
    // Valid spec, impossible split: only the worker finds out (a 1-day series cut at 0.9999).
    const { runId } = (await host.call('runs.start', {
      spec: {
        name: 'bad-split',
        dataset: { generator: 'helios-detection', params: { days: 1 } },
        split: { kind: 'time', trainFraction: 0.9999 },
        model: { kind: 'iforest', params: {} }
      }
    })) as { runId: number }
    const run = await host.runs.waitFor(runId)
    expect(run.status).toBe('failed')
    expect(run.statusReason).toMatch(/split leaves 0 rows for test .* has 288/)
  })

  it('refuses a bad spec before anything is queued, naming the field', async () => {
    const { host } = setup()
    await expect(
      host.call('runs.start', { spec: { name: 'x', dataset: { generator: 'helios-detection', params: { days: 0 } }, split: { kind: 'time', trainFraction: 0.5 }, model: { kind: 'iforest' } } })
    ).rejects.toMatchObject({ issues: [{ path: 'dataset.params.days' }] })
    expect(await host.call('runs.list', {})).toEqual([])
  })

  it('a host killed mid-run: its worker stops, and the next start marks the run interrupted', async () => {
    const tmp = tempDir()
    defer(tmp.remove)
    const specFile = join(tmp.dir, 'slow.json')
    writeFileSync(specFile, JSON.stringify(slowSpec('orphan')))
    const cli = spawn(process.execPath, [join(REPO, 'bin/workbench.cjs'), 'run', specFile, '--workspace', tmp.dir, '--json'], { stdio: 'ignore' })
    defer(() => {
      cli.kill('SIGKILL')
    })
    const dbFile = join(tmp.dir, 'workbench.db')
    let workerPid = 0
    await until(() => {
      if (!existsSync(dbFile)) return false
      const db = new Database(dbFile, { readonly: true, fileMustExist: true })
      try {
        workerPid = (db.prepare("SELECT worker_pid FROM runs WHERE status = 'running'").pluck().get() as number | undefined) ?? 0
      } catch {
        workerPid = 0
      } finally {
        db.close()
      }
      return workerPid > 0
    }, 60_000, 'the CLI to start a worker')
    cli.kill('SIGKILL')
    await until(() => {
      try {
        process.kill(workerPid, 0)
        return false
      } catch {
        return true
      }
    }, 10_000, 'the orphaned worker to exit')

    const host = makeHost(tmp.dir)
    defer(() => host.close())
    expect(host.workspace.interrupted).toEqual([1])
    expect(host.detail(1)).toMatchObject({ status: 'interrupted', statusReason: 'the process running it stopped before it finished' })
  })
})

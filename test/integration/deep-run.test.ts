/**
 * A deep model through the host: a tiny LSTM classifier trains in a real worker process (tsx +
 * wasm backend), reports every epoch live, stores its epochs and per-window scores, and stops
 * promptly when cancelled mid-training.
 */
import { describe, it, expect, afterEach } from 'vitest'
import { makeHost, tempDir, until } from '../helpers/workspace'
import type { WorkbenchHost } from '../../src-main/host/workbench-host'

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

function setup(): { host: WorkbenchHost; dir: string } {
  const tmp = tempDir()
  const host = makeHost(tmp.dir)
  cleanups.push(tmp.remove, () => host.close())
  return { host, dir: tmp.dir }
}

function tinySpec(name: string, epochs: number, extra: Record<string, unknown> = {}): unknown {
  return {
    name,
    dataset: { generator: 'helios-events', params: { scale: 0.01, seed: 3 } },
    split: { kind: 'time', trainFraction: 0.7, validationFraction: 0.15 },
    model: {
      kind: 'lstm-classifier',
      params: { window: 20, trainStride: 4, units: [8], denseUnits: 4, epochs, batchSize: 64, learningRate: 0.01, earlyStoppingPatience: null, seed: 1, ...extra }
    },
    targets: ['rocAuc > 0.5']
  }
}

describe('deep model in a worker process', () => {
  it('streams an epoch record per epoch and stores epochs and per-window scores', async () => {
    const { host } = setup()
    const live: { runId: number; epoch: { epoch: number; confusion: unknown } }[] = []
    host.onEvent((name, payload) => {
      if (name === 'run.epoch') live.push(payload as (typeof live)[number])
    })
    const { runId } = (await host.call('runs.start', { spec: tinySpec('deep-tiny', 3) })) as { runId: number }
    const run = await host.runs.waitFor(runId)
    expect(run.status).toBe('done')
    expect(run.backend?.name).toBe('wasm')
    expect(live.filter((e) => e.runId === runId).map((e) => e.epoch.epoch)).toEqual([1, 2, 3])
    for (const e of live) expect(e.epoch.confusion).toMatchObject({ tn: expect.any(Number), fp: expect.any(Number), fn: expect.any(Number), tp: expect.any(Number) })

    const db = host.workspace.db
    const epochs = db.prepare('SELECT epoch, metrics, confusion FROM run_epochs WHERE run_id = ? ORDER BY epoch').all(runId) as { epoch: number; metrics: string; confusion: string }[]
    expect(epochs.map((e) => e.epoch)).toEqual([1, 2, 3])
    const m = JSON.parse(epochs[0].metrics)
    for (const k of ['loss', 'valLoss', 'lr', 'valRocAuc', 'valAveragePrecision', 'windowsPerSec']) expect(typeof m[k]).toBe('number')
    const cm = JSON.parse(epochs[2].confusion)
    // 15 % of 6,000 rows validate: 900 rows, 881 windows of 20.
    expect(cm.tn + cm.fp + cm.fn + cm.tp).toBe(881)

    const scores = db.prepare('SELECT split, count FROM run_scores WHERE run_id = ? ORDER BY split').all(runId)
    expect(scores).toEqual([
      { split: 'test', count: 881 },
      { split: 'validation', count: 881 }
    ])
    const detail = host.detail(runId)
    expect(detail.targets.map((t) => t.text)).toEqual(['rocAuc > 0.5'])
  })

  it('cancel mid-training ends the run cancelled within 5 s', async () => {
    const { host } = setup()
    const { runId } = (await host.call('runs.start', { spec: tinySpec('deep-cancel', 200) })) as { runId: number }
    await until(() => (host.runs.liveProgress(runId)?.stage ?? '') === 'training', 60_000, 'training to start')
    const t0 = Date.now()
    expect(await host.call('runs.cancel', { id: runId })).toEqual({ cancelled: true })
    const run = await host.runs.waitFor(runId)
    expect(run.status).toBe('cancelled')
    expect(Date.now() - t0).toBeLessThan(5_000)
  })
})

/**
 * A deep model through the host: a tiny LSTM classifier trains in a real worker process (tsx, on
 * the best tfjs backend this machine has), reports every epoch live, stores its epochs and
 * per-window scores, and stops mid-training when cancelled.
 */
import { describe, it, expect } from 'vitest'
import { hostsPerTest, tinyLstmSpec, until } from '../helpers/workspace'
import { chooseTfjsBackend, probeTfjsBackends } from '../../src-main/core/models/tfjs-backends'

const { newHost: setup } = hostsPerTest()

function tinySpec(name: string, epochs: number, extra: Record<string, unknown> = {}): unknown {
  return { ...tinyLstmSpec(name, { epochs, learningRate: 0.01, earlyStoppingPatience: null, seed: 1, ...extra }), targets: ['rocAuc > 0.5'] }
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
    // The rung the ladder picks here (wasm where no native tfjs installed, tensorflow where it did),
    // with the reason each better rung was skipped.
    const expected = chooseTfjsBackend(await probeTfjsBackends({ loadNative: true }))
    expect(run.backend?.name).toBe(expected.name)
    expect(run.backend?.skipped.map((s) => s.name)).toEqual(expected.skipped.map((s) => s.name))
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

  it('cancel mid-training ends the run cancelled before its epochs are done', async () => {
    const { host } = setup()
    const epochs = 200
    const { runId } = (await host.call('runs.start', { spec: tinySpec('deep-cancel', epochs) })) as { runId: number }
    await until(() => (host.runs.liveProgress(runId)?.stage ?? '') === 'training', 60_000, 'training to start')
    expect(await host.call('runs.cancel', { id: runId })).toEqual({ cancelled: true })
    const run = await host.runs.waitFor(runId)
    expect(run.status).toBe('cancelled')
    // Stopped inside training, not after it: fewer epochs were stored than the spec asked for.
    const stored = (host.workspace.db.prepare('SELECT COUNT(*) AS n FROM run_epochs WHERE run_id = ?').get(runId) as { n: number }).n
    expect(stored).toBeLessThan(epochs)
  })
})

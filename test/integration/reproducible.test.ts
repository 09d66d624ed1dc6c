/**
 * One spec, one seed, one backend: the same model every time. Two runs of a tiny seeded LSTM
 * classifier (dropout on), the first in a fresh worker process and the second in the same process
 * kept warm (tfjs initialised, layers and kernels of the first trial behind it), give bit-identical
 * scores and metrics; another seed gives another model. On two cores or more each batch is split
 * over two threads (data-parallel.ts): the replicas' dropout masks are seeded as well.
 */
import { describe, it, expect } from 'vitest'
import { availableParallelism } from 'node:os'
import { hostsPerTest, tinyLstmSpec } from '../helpers/workspace'
import type { WorkbenchHost } from '../../src-main/host/workbench-host'
import type { RunDetail, RunScores } from '../../src-main/contract/api'

const { newHost } = hostsPerTest()

// Dropout on: the seed must fix the dropout masks as well as the initial weights.
const spec = (name: string, seed: number) => tinyLstmSpec(name, { dropout: 0.3, denseDropout: 0.2, epochs: 2, learningRate: 0.01, seed })

async function run(host: WorkbenchHost, name: string, seed: number): Promise<{ detail: RunDetail; scores: Float32Array }> {
  const { runId } = (await host.call('runs.start', { spec: spec(name, seed) })) as { runId: number }
  const r = await host.runs.waitFor(runId)
  expect(r.status, r.statusReason ?? '').toBe('done')
  const detail = (await host.call('runs.get', { id: runId })) as RunDetail
  const scores = ((await host.call('runs.scores', { id: runId, split: 'test' })) as RunScores).scores
  return { detail, scores }
}

describe('reproducible runs', () => {
  it('a seeded deep spec run twice, fresh then warm, gives identical scores and metrics', async () => {
    const { host } = newHost({ prefix: 'wb-repro-', concurrency: 1 })
    const a = await run(host, 'repro-a', 7)
    const b = await run(host, 'repro-b', 7)
    const pid = (id: number) => host.workspace.db.prepare('SELECT worker_pid FROM runs WHERE id = ?').pluck().get(id)
    expect(pid(b.detail.id)).toBe(pid(a.detail.id))
    expect(Array.from(b.scores)).toEqual(Array.from(a.scores))
    expect(b.detail.metrics).toEqual(a.detail.metrics)
    expect(b.detail.threshold).toBe(a.detail.threshold)
    expect(b.detail.epochs.map((e) => e.metrics.loss)).toEqual(a.detail.epochs.map((e) => e.metrics.loss))
    // One trial slot: batches of 64 split over every core (data-parallel.ts), replicas seeded too;
    // the warm run's replicas are the fresh run's threads, set up anew.
    const split = (d: RunDetail) => d.logs.some((l) => l.message === `data-parallel training: every batch is split over ${Math.min(2, availableParallelism())} threads`)
    if (availableParallelism() >= 2) expect(split(a.detail) && split(b.detail)).toBe(true)
    const c = await run(host, 'repro-c', 8)
    expect(Array.from(c.scores)).not.toEqual(Array.from(a.scores))
  })
})

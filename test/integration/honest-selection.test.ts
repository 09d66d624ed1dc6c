/**
 * Choose on validation, report on test. On a dataset built so that the trial best on test is
 * not the trial best on validation, the leaderboard's winner (and `run --json`'s) is the
 * validation one; ranking on test is possible only when asked, and the board says it.
 */
import { describe, it, expect, afterEach } from 'vitest'
import { spawnSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { makeHost, tempDir, REPO } from '../helpers/workspace'
import type { Leaderboard, QueueResult, RunDetail } from '../../src-main/contract/api'
import { saveDataset } from '../../src-main/core/store/datasets-repo'
import { createRng } from '../../src-main/core/data/rng'
import type { LabelledSeries } from '../../src-main/core/data/series'

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

/**
 * 4,000 rows of two features. Train (first half): normal. Validation (next quarter): a few
 * far-out anomalies, so a small contamination wins there. Test (last quarter): many mild
 * anomalies, so a large contamination wins there.
 */
function fixture(): LabelledSeries {
  const n = 4000
  const rng = createRng(11)
  const x = new Float32Array(n)
  const y = new Float32Array(n)
  const labels = new Uint8Array(n)
  for (let i = 0; i < n; i++) {
    x[i] = rng.normal()
    y[i] = rng.normal()
    const part = i < 2000 ? 'train' : i < 3000 ? 'validation' : 'test'
    if (part === 'validation' && i % 100 === 0) {
      x[i] = 9 + rng.normal()
      labels[i] = 1
    }
    if (part === 'test' && i % 5 === 0) {
      x[i] = 1.6 + 0.15 * rng.normal()
      y[i] = 1.6 + 0.15 * rng.normal()
      labels[i] = 1
    }
  }
  return {
    name: 'honest-fixture',
    intervalMs: 60_000,
    timestamps: Float64Array.from({ length: n }, (_, i) => i * 60_000),
    columns: ['x', 'y'],
    values: [x, y],
    labels,
    anomalyTypeNames: ['anomaly'],
    anomalyType: Uint8Array.from(labels)
  }
}

describe('a search is won on validation', () => {
  it('the leaderboard ranks on validation by default; ranking on test picks another trial and says so', async () => {
    const tmp = tempDir('wb-honest-')
    cleanups.push(tmp.remove)
    const host = makeHost(join(tmp.dir, 'ws'), { concurrency: 1 })
    cleanups.push(() => host.close())
    const version = saveDataset(host.workspace.db, fixture(), { source: 'imported', params: {} }).id
    const spec = {
      name: 'honest',
      dataset: { version },
      split: { kind: 'time', trainFraction: 0.5, validationFraction: 0.25 },
      model: { kind: 'iforest', params: { nEstimators: 100, seed: 3 } },
      search: { kind: 'grid', space: { contamination: [0.01, 0.2] } },
      objective: { metric: 'f1', direction: 'maximize' }
    }
    const q = (await host.call('experiments.queue', { spec })) as QueueResult
    await host.scheduler.waitForExperiment(q.experimentId)

    const byVal = (await host.call('queue.leaderboard', { experimentId: q.experimentId })) as Leaderboard
    const byTest = (await host.call('queue.leaderboard', { experimentId: q.experimentId, rankBy: 'test' })) as Leaderboard
    expect(byVal.rankedOn).toBe('validation')
    expect(byTest.rankedOn).toBe('test')
    const first = (b: Leaderboard) => b.rows.find((r) => r.rank === 1)!
    // The fixture works as built: each contamination wins on its own split.
    const small = byVal.rows.find((r) => r.params.contamination === 0.01)!
    const large = byVal.rows.find((r) => r.params.contamination === 0.2)!
    expect(small.validationMetrics!.f1).toBeGreaterThan(large.validationMetrics!.f1)
    expect(large.metrics!.f1).toBeGreaterThan(small.metrics!.f1)
    expect(first(byVal).params.contamination).toBe(0.01)
    expect(first(byTest).params.contamination).toBe(0.2)
    expect(first(byVal).objectiveValue).toBe(small.validationMetrics!.f1)
    // The experiment's best is the validation winner, with its test value only reported.
    expect(byVal.experiment.best).toMatchObject({ trialId: small.trialId, split: 'validation', value: small.validationMetrics!.f1, testValue: small.metrics!.f1 })
    const detail = (await host.call('runs.get', { id: small.runId! })) as RunDetail
    expect(detail.validationMetrics!.f1).toBe(small.validationMetrics!.f1)

    // The CLI's search output names the same winner, chosen on validation.
    await host.close()
    const file = join(tmp.dir, 'honest.json')
    writeFileSync(file, JSON.stringify(spec))
    const r = spawnSync(process.execPath, [join(REPO, 'bin/workbench.cjs'), 'run', file, '--workspace', join(tmp.dir, 'ws'), '--json'], { encoding: 'utf8', timeout: 120_000 })
    expect(r.status, r.stderr).toBe(0)
    const out = JSON.parse(r.stdout)
    expect(out.rankedOn).toBe('validation')
    expect(out.winner).toMatchObject({ trialId: small.trialId, chosenOn: 'validation', params: { contamination: 0.01 } })
    expect(out.winner.testMetrics.f1).toBe(small.metrics!.f1)
  })
})

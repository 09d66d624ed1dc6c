/**
 * Scores you can go back to: every stored window leads to its rows of the dataset version (its
 * label and type agree with the rows'), for per-row and windowed models, through the contract
 * and over the WebSocket transport as typed arrays; runs stored before tracing say so.
 */
import { describe, it, expect } from 'vitest'
import { hostsPerTest, runToDone } from '../helpers/workspace'
import type { WorkbenchHost } from '../../src-main/host/workbench-host'
import type { RunDetail, RunScores } from '../../src-main/contract/api'
import { loadDataset } from '../../src-main/core/store/datasets-repo'
import { startWebServer } from '../../src-main/web/server'
import { openSocket } from '../helpers/web-client'
import { fromWireJson } from '../../src-main/contract/wire'

const { newHost, defer } = hostsPerTest()
const setup = (): WorkbenchHost => newHost({ prefix: 'wb-trace-' }).host

/** Every window's stored label and type agree with its rows in the version (label rule `any`). */
function expectTraced(host: WorkbenchHost, s: RunScores): void {
  expect(s.starts).toBeInstanceOf(Int32Array)
  expect(s.starts!.length).toBe(s.count)
  const series = loadDataset(host.workspace.db, s.datasetId!)
  const L = s.windowLength!
  for (let i = 0; i < s.count; i++) {
    const a = s.starts![i]
    expect(a + L).toBeLessThanOrEqual(series.labels.length)
    let any = 0
    for (let r = a; r < a + L; r++) any |= series.labels[r]
    if (any !== s.labels[i]) throw new Error(`window ${i} (rows ${a}..${a + L - 1}): stored label ${s.labels[i]}, rows say ${any}`)
    if (L === 1 && s.types && s.types[i] !== series.anomalyType[a]) throw new Error(`row ${a}: stored type ${s.types[i]}, row says ${series.anomalyType[a]}`)
  }
}

describe('scores traced to rows', () => {
  it('an Isolation Forest run stores train, validation and test scores, each row traced to the version', async () => {
    const host = setup()
    const run = await runToDone(host, {
      name: 'trace-iforest',
      dataset: { generator: 'helios-detection', params: { days: 3, seed: 2 } },
      split: { kind: 'time', trainFraction: 0.6, validationFraction: 0.2 },
      model: { kind: 'iforest', params: { nEstimators: 40, seed: 1 } }
    })
    expect(run.scoreSplits.map((s) => [s.split, s.traced])).toEqual([
      ['train', true],
      ['validation', true],
      ['test', true]
    ])
    const rows = run.datasets[0].rows
    const parts: Record<string, RunScores> = {}
    for (const split of ['train', 'validation', 'test'] as const) {
      parts[split] = (await host.call('runs.scores', { id: run.id, split })) as RunScores
      expect(parts[split]).toMatchObject({ split, windowLength: 1, trainedThreshold: run.threshold })
      expect(parts[split].scores).toBeInstanceOf(Float32Array)
      expectTraced(host, parts[split])
    }
    // Time order: train rows, then validation rows, then test rows, covering the version once.
    const all = [...parts.train.starts!, ...parts.validation.starts!, ...parts.test.starts!]
    expect(all).toEqual(Array.from({ length: rows }, (_, i) => i))
    expect(parts.test.typeNames.length).toBeGreaterThan(0)
  })

  it('a windowed deep model traces its validation and test windows to their rows, and the WebSocket carries typed arrays', async () => {
    const host = setup()
    const run = await runToDone(host, {
      name: 'trace-deep',
      dataset: { generator: 'helios-events', params: { scale: 0.01, seed: 3 } },
      split: { kind: 'time', trainFraction: 0.7, validationFraction: 0.15 },
      model: { kind: 'lstm-classifier', params: { window: 20, trainStride: 4, units: [8], denseUnits: 4, epochs: 1, batchSize: 64, seed: 1 } }
    })
    const test = (await host.call('runs.scores', { id: run.id, split: 'test' })) as RunScores
    const val = (await host.call('runs.scores', { id: run.id, split: 'validation' })) as RunScores
    expect(test.windowLength).toBe(20)
    expectTraced(host, test)
    expectTraced(host, val)
    // 6,000 rows: validation is rows 4,200-5,099, test 5,100-5,999.
    expect(val.starts![0]).toBe(4200)
    expect(test.starts![0]).toBe(5100)
    expect(test.starts![test.count - 1]).toBe(5999 - 19)

    const web = await startWebServer({ host, staticDir: 'out/renderer', token: 't'.repeat(32) })
    defer(() => web.close())
    const ws = await openSocket(web.port, '', { authorization: `Bearer ${'t'.repeat(32)}` })
    defer(() => ws.close())
    const reply = await new Promise<{ output: RunScores }>((ok) => {
      ws.on('message', (data) => {
        const frame = fromWireJson(String(data)) as { type: string; id?: number; output: RunScores }
        if (frame.type === 'result' && frame.id === 7) ok(frame)
      })
      ws.send(JSON.stringify({ type: 'call', id: 7, method: 'runs.scores', input: { id: run.id, split: 'test' } }))
    })
    expect(reply.output.scores).toBeInstanceOf(Float32Array)
    expect(reply.output.starts).toBeInstanceOf(Int32Array)
    expect(Array.from(reply.output.scores)).toEqual(Array.from(test.scores))
    expect(Array.from(reply.output.starts!)).toEqual(Array.from(test.starts!))
  })

  it('a run stored before tracing says so: traced false, starts null; a missing split is a clear not_found', async () => {
    const host = setup()
    const run = await runToDone(host, {
      name: 'trace-old',
      dataset: { generator: 'helios-detection', params: { days: 2, seed: 2 } },
      split: { kind: 'time', trainFraction: 0.6, validationShare: 0 },
      model: { kind: 'iforest', params: { nEstimators: 20, seed: 1 } }
    })
    host.workspace.db.prepare('UPDATE run_scores SET starts = NULL, window_length = NULL WHERE run_id = ?').run(run.id)
    const detail = (await host.call('runs.get', { id: run.id })) as RunDetail
    expect(detail.scoreSplits.every((s) => !s.traced)).toBe(true)
    const s = (await host.call('runs.scores', { id: run.id, split: 'test' })) as RunScores
    expect(s.starts).toBeNull()
    await expect(host.call('runs.scores', { id: run.id, split: 'validation' })).rejects.toMatchObject({
      code: 'not_found',
      message: expect.stringMatching(/stored no validation scores \(it has: train, test\)/)
    })
  })
})

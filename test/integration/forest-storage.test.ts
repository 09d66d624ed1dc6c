/**
 * Every reader of a stored forest, through the host and its workers: a run that stored its trees
 * compactly (a blob) exports as a bundle with parity, explains a window and ranks its features;
 * the same run stored as JSON, as workbench 0.2 stored it, exports to the same ONNX.
 */
import { describe, it, expect } from 'vitest'
import { hostsPerTest, runToDone, smallForestSpec } from '../helpers/workspace'
import * as runs from '../../src-main/core/store/runs-repo'
import { readForest } from '../../src-main/core/models/iforest-codec'
import { toJSON } from '../../src-main/core/models/iforest'
import type { Explanation, FeatureImportance } from '../../src-main/contract/explain'

const { newHost } = hostsPerTest()

describe('a forest stored compactly', () => {
  it('exports, explains and ranks features; stored as JSON by an older version it exports the same', async () => {
    const { host } = newHost({ prefix: 'wb-forest-', concurrency: 1 })
    const run = await runToDone(host, smallForestSpec('stored-forest'))
    const db = host.workspace.db
    expect(db.prepare('SELECT model FROM runs WHERE id = ?').pluck().get(run.id)).toMatch(/"format":"workbench-iforest\/2".*"\$blob"/)

    const compact = (await host.call('bundles.export', { runId: run.id, to: 'local' })) as { onnxBytes: number; parity: Record<string, number> }
    expect(compact.parity.score).toBeLessThan(1e-4)
    const why = (await host.call('runs.explain', { id: run.id, split: 'test', index: 0 })) as Explanation
    expect(why.features.length).toBeGreaterThan(0)
    const importance = (await host.call('runs.featureImportance', { id: run.id })) as FeatureImportance
    expect(importance).toMatchObject({ method: 'path-length' })
    expect(importance.features.length).toBe(why.features.length)

    // The model column as an older workbench wrote it: the forest's arrays as JSON numbers.
    const model = runs.getRunModel(db, run.id)!
    db.prepare('UPDATE runs SET model = ? WHERE id = ?').run(JSON.stringify({ ...model, forest: toJSON(readForest(model.forest)) }), run.id)
    expect(db.prepare('SELECT model FROM runs WHERE id = ?').pluck().get(run.id)).toMatch(/"format":"workbench-iforest\/1"/)
    const old = (await host.call('bundles.export', { runId: run.id, to: 'local' })) as { onnxBytes: number; parity: Record<string, number> }
    expect(old.onnxBytes).toBe(compact.onnxBytes)
    expect(old.parity.score).toBeLessThan(1e-4)
  })
})

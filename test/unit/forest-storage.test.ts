/**
 * A fitted forest stored compactly (core/models/iforest-codec.ts, core/store/model-blobs-repo.ts):
 * bit for bit the same trees back, identical forests stored once, and runs stored as JSON by
 * older versions still read and export.
 */
import { describe, it, expect, beforeEach, afterEach } from 'vitest'
import { deflateRawSync, inflateRawSync } from 'node:zlib'
import { openDatabase, type Db } from '../../src-main/core/store/database'
import { upsertExperiment } from '../../src-main/core/store/experiments-repo'
import * as runs from '../../src-main/core/store/runs-repo'
import { recordRunOutcome } from '../../src-main/core/store/outcomes-repo'
import type { RunResults } from '../../src-main/core/store/run-schemas'
import { parseSpec } from '../../src-main/core/search/spec'
import { createRng } from '../../src-main/core/data/rng'
import { applyScaler, fitStandardScaler } from '../../src-main/core/data/scaler'
import type { Matrix } from '../../src-main/core/data/matrix'
import { fitIsolationForest, scoreSamples, toJSON, type IsolationForestModel } from '../../src-main/core/models/iforest'
import { encodeForest, readForest } from '../../src-main/core/models/iforest-codec'
import { exportRunModel } from '../../src-main/core/export/onnx/export-run'
import { checkParity } from '../../src-main/core/export/onnx/parity'

function gaussian(rows: number, cols: number, seed: number): Matrix {
  const rng = createRng(seed)
  const data = new Float32Array(rows * cols)
  for (let i = 0; i < data.length; i++) data[i] = rng.normal() * (1 + (i % cols))
  return { data, rows, cols }
}

/** Every array of every tree, byte for byte, and the header. */
function expectSameForest(a: IsolationForestModel, b: IsolationForestModel): void {
  const { trees: ta, ...ha } = a
  const { trees: tb, ...hb } = b
  expect(hb).toEqual(ha)
  expect(tb).toHaveLength(ta.length)
  ta.forEach((t, k) => {
    for (const name of ['features', 'feature', 'threshold', 'left', 'right', 'size', 'depth'] as const) {
      const x = t[name]
      const y = tb[k][name]
      expect(y.constructor, `tree ${k} ${name}`).toBe(x.constructor)
      expect(Buffer.from(y.buffer, y.byteOffset, y.byteLength).equals(Buffer.from(x.buffer, x.byteOffset, x.byteLength)), `tree ${k} ${name}`).toBe(true)
    }
  })
}

describe('compact forest (workbench-iforest/2)', () => {
  const X = gaussian(3000, 6, 1)
  const cases: [string, Record<string, unknown>, Matrix][] = [
    ['defaults', { seed: 1 }, X],
    ['bootstrap, max features 0.5, contamination', { seed: 2, bootstrap: true, maxFeatures: 0.5, contamination: 0.05, nEstimators: 40 }, X],
    ['large leaves (max samples 2048)', { seed: 3, maxSamples: 2048, nEstimators: 20 }, X],
    ['200 features (two-byte feature ids)', { seed: 4, nEstimators: 30, maxFeatures: 0.3 }, gaussian(600, 200, 5)]
  ]
  for (const [what, params, data] of cases) {
    it(`round-trips bit for bit: ${what}`, () => {
      const model = fitIsolationForest(data, params)
      const stored = encodeForest(model)
      expect(stored.format).toBe('workbench-iforest/2')
      const back = readForest(structuredClone(stored))
      expectSameForest(model, back)
      expect(scoreSamples(back, data)).toEqual(scoreSamples(model, data))
    })
  }

  it('is several times smaller than the JSON it replaces', () => {
    const model = fitIsolationForest(X, { seed: 1, nEstimators: 200, maxSamples: 512 })
    const stored = encodeForest(model)
    if (stored.format !== 'workbench-iforest/2') throw new Error('expected the compact format')
    const json = JSON.stringify(toJSON(model)).length
    expect(stored.trees.byteLength * 6).toBeLessThan(json)
  })

  it('keeps trees laid out otherwise as JSON, losing nothing', () => {
    const model = fitIsolationForest(X, { seed: 1, nEstimators: 5 })
    // Swap the children of the root: the forest scores the same, but its ids no longer follow the builder's order.
    const t = model.trees[0]
    const swapped: IsolationForestModel = { ...model, trees: [{ ...t, left: Int32Array.from(t.left), right: Int32Array.from(t.right) }, ...model.trees.slice(1)] }
    swapped.trees[0].left[0] = t.right[0]
    swapped.trees[0].right[0] = t.left[0]
    const stored = encodeForest(swapped)
    expect(stored.format).toBe('workbench-iforest/1')
    expectSameForest(swapped, readForest(JSON.parse(JSON.stringify(stored))))
  })

  it('refuses a compact forest whose trees blob is missing or cut short', () => {
    const stored = encodeForest(fitIsolationForest(X, { seed: 1, nEstimators: 3 }))
    expect(() => readForest({ ...stored, trees: undefined })).toThrow(/trees/)
    if (stored.format !== 'workbench-iforest/2') throw new Error('expected the compact format')
    expect(() => readForest({ ...stored, trees: stored.trees.subarray(0, stored.trees.length >> 1) })).toThrow()
  })

  it('refuses a corrupt blob with a named error before allocating for it: counts past the header, trailing bytes, a deflate bomb', () => {
    const stored = encodeForest(fitIsolationForest(X, { seed: 1, nEstimators: 3 }))
    if (stored.format !== 'workbench-iforest/2') throw new Error('expected the compact format')
    const raw = inflateRawSync(stored.trees)
    const withRaw = (bytes: Uint8Array) => ({ ...stored, trees: new Uint8Array(deflateRawSync(bytes)) })
    // The tree count (the first varint) rewritten to 2^28: more trees than the header's nEstimators.
    expect(() => readForest(withRaw(Buffer.concat([Buffer.from([0x80, 0x80, 0x80, 0x80, 0x01]), raw.subarray(1)])))).toThrow(/tree count 268435456 is more than the header allows \(3\)/)
    expect(() => readForest(withRaw(Buffer.concat([raw, Buffer.from([1, 2, 3])])))).toThrow(/3 bytes left over after the last tree/)
    // 64 MB of zeros deflate to ~64 KB: refused while inflating, not after.
    expect(() => readForest(withRaw(new Uint8Array(64 << 20)))).toThrow(/does not inflate within the header's bounds/)
  })
})

describe('stored with a run', () => {
  let db: Db
  // The repositories' SQL does not depend on the file: an in-memory database with every migration.
  beforeEach(() => void (db = openDatabase(':memory:')))
  afterEach(() => db.close())

  const spec = parseSpec({
    name: 'forest-storage',
    dataset: { generator: 'helios-detection', params: { days: 1 } },
    split: { kind: 'time', trainFraction: 0.7 },
    model: { kind: 'iforest', params: {} }
  })
  const F = 4
  const raw = gaussian(800, F, 9)
  const scaler = fitStandardScaler(raw)
  const fitted = fitIsolationForest(applyScaler(raw, scaler), { seed: 7, nEstimators: 50, contamination: 0.05 })
  const names = ['a', 'b', 'c', 'd']

  function storeRun(forest: unknown): number {
    const exp = upsertExperiment(db, spec, null)
    const run = runs.createRun(db, { experimentId: exp.id, modelKind: 'iforest', params: {}, targets: [], workbenchVersion: 't' })
    const results: RunResults = {
      threshold: fitted.threshold,
      metrics: {},
      trainMetrics: null,
      validationMetrics: null,
      confusion: { tn: 0, fp: 0, fn: 0, tp: 0 },
      targets: [],
      curves: null,
      recallByType: {},
      model: { kind: 'iforest', featureNames: names, scaler, forest }
    }
    expect(recordRunOutcome(db, run.id, { status: 'done', results, scores: [] })).toBe(true)
    return run.id
  }

  it('reads back the same forest; identical trees are one blob; runs.model stays small', () => {
    const a = storeRun(encodeForest(fitted))
    // Another trial of a search over contamination only: the same trees, another threshold.
    const b = storeRun(encodeForest({ ...fitted, threshold: 0.61 }))
    expectSameForest(fitted, readForest(runs.getRunModel(db, a)!.forest))
    expect(readForest(runs.getRunModel(db, b)!.forest).threshold).toBe(0.61)
    expect(db.prepare('SELECT COUNT(*) FROM model_blobs').pluck().get()).toBe(1)
    const modelJson = db.prepare('SELECT length(model) FROM runs WHERE id = ?').pluck().get(a) as number
    expect(modelJson).toBeLessThan(1000)
  })

  it('a run stored as JSON by an older version still reads and exports, to the same ONNX as a compact one', async () => {
    const old = storeRun(toJSON(fitted))
    const compact = storeRun(encodeForest(fitted))
    expect(db.prepare('SELECT model FROM runs WHERE id = ?').pluck().get(old)).toContain('"format":"workbench-iforest/1"')
    expectSameForest(fitted, readForest(runs.getRunModel(db, old)!.forest))
    const fromOld = await exportRunModel(runs.getRunModel(db, old))
    const fromCompact = await exportRunModel(runs.getRunModel(db, compact))
    expect(Buffer.from(fromOld.onnx).equals(Buffer.from(fromCompact.onnx))).toBe(true)
    const parity = await checkParity(fromOld.onnx, fromOld.reference, raw.data.subarray(0, 40 * F), 40)
    expect(parity.ok).toBe(true)
  })
})

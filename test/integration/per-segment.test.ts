/**
 * The per-segment protocol (one model per file, trained on its first rows) and row-level
 * results: per-segment metrics are stored, the pooled confusion matrix is their sum, and the
 * per-row predictions file reproduces the pooled point-wise counts. An autoencoder trained
 * `unsupervised` does not fail on a segment whose training rows hold anomalies.
 */
import { describe, it, expect, afterEach } from 'vitest'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { makeHost, runToDone, tempDir } from '../helpers/workspace'
import type { WorkbenchHost } from '../../src-main/host/workbench-host'
import type { RunDetail, MethodOutput } from '../../src-main/contract/api'
import { saveDataset } from '../../src-main/core/store/datasets-repo'
import { createRng } from '../../src-main/core/data/rng'
import type { LabelledSeries } from '../../src-main/core/data/series'
import { writeSegmentedFixture } from '../helpers/segmented-fixture'

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

/**
 * Six "files" of 120 rows and 3 sensors, each at its own operating level (so one shared model
 * would fit none of them well); from row 60 on, bursts where one sensor jumps. File `b/1` also
 * has a burst in its first 40 rows (its training part).
 */
function files(): LabelledSeries {
  const ids = ['a/0', 'a/1', 'b/0', 'b/1', 'c/0', 'c/1']
  const n = 120
  const rng = createRng(5)
  const total = n * ids.length
  const values = [0, 1, 2].map(() => new Float32Array(total))
  const labels = new Uint8Array(total)
  ids.forEach((id, f) => {
    const level = f * 3
    for (let i = 0; i < n; i++) {
      const r = f * n + i
      for (let c = 0; c < 3; c++) values[c][r] = level + c + 0.2 * rng.normal()
      const burst = (i >= 70 && i < 76) || (i >= 100 && i < 104) || (id === 'b/1' && i >= 10 && i < 14)
      if (burst) {
        values[f % 3][r] += 4
        labels[r] = 1
      }
    }
  })
  return {
    name: 'six-files',
    intervalMs: 1000,
    timestamps: Float64Array.from({ length: total }, (_, r) => (r % n) * 1000 + Math.floor(r / n) * 1e7),
    columns: ['s1', 's2', 's3'],
    values,
    labels,
    anomalyTypeNames: ['burst'],
    anomalyType: Uint8Array.from(labels),
    segments: ids.map((id, f) => ({ id, start: f * n, end: (f + 1) * n }))
  }
}

function setup(): { host: WorkbenchHost; version: string; dir: string } {
  const tmp = tempDir('wb-perseg-')
  const host = makeHost(join(tmp.dir, 'ws'), { concurrency: 1 })
  cleanups.push(tmp.remove, () => host.close())
  const version = saveDataset(host.workspace.db, files(), { source: 'imported', params: {} }).id
  return { host, version, dir: tmp.dir }
}

/** The run's point-wise counts and the counts of the predictions file it wrote, which must agree on the confusion matrix. */
async function pointwiseAgainstPredictions(host: WorkbenchHost, runId: number, file: string) {
  const counts = csvCounts(file)
  const point = (await host.call('runs.pointwise', { id: runId })) as MethodOutput<'runs.pointwise'>
  expect({ tn: counts.tn, fp: counts.fp, fn: counts.fn, tp: counts.tp }).toEqual(point.confusion)
  return { counts, point }
}

function sumConfusions(d: RunDetail) {
  return d.perSegment!.reduce((a, s) => ({ tn: a.tn + s.confusion.tn, fp: a.fp + s.confusion.fp, fn: a.fn + s.confusion.fn, tp: a.tp + s.confusion.tp }), { tn: 0, fp: 0, fn: 0, tp: 0 })
}

/** Counts of a predictions CSV (row,timestamp,segment,label,score,flag) over its scored rows. */
function csvCounts(file: string) {
  const [header, ...lines] = readFileSync(file, 'utf8').trim().split('\n')
  expect(header).toBe('row,timestamp,segment,label,score,flag')
  const c = { tn: 0, fp: 0, fn: 0, tp: 0, unscored: 0, segments: new Set<string>() }
  for (const line of lines) {
    const [, , segment, label, score, flag] = line.split(',')
    c.segments.add(segment)
    if (score === '') {
      c.unscored++
      continue
    }
    if (label === '1') flag === '1' ? c.tp++ : c.fn++
    else flag === '1' ? c.fp++ : c.tn++
  }
  return c
}

describe('per-segment protocol', () => {
  it('an Isolation Forest per file on its first 40 rows: per-segment metrics, pooled confusion = their sum, predictions reproduce the pooled counts', async () => {
    const { host, version, dir } = setup()
    const d = await runToDone(host, {
      name: 'perseg-iforest',
      dataset: { version },
      split: { kind: 'per-segment', train: { firstRows: 40 } },
      model: { kind: 'iforest', params: { nEstimators: 60, contamination: 0.05, seed: 2 } }
    })
    expect(d.perSegment!.map((s) => s.segment)).toEqual(['a/0', 'a/1', 'b/0', 'b/1', 'c/0', 'c/1'])
    // 40 training rows: floor(40 x 0.15) = 6 validate, 34 train; 80 test.
    expect(d.perSegment![0].rows).toEqual({ train: 34, validation: 6, test: 80 })
    expect(d.confusion).toEqual(sumConfusions(d))
    expect(d.threshold).toBe(0)
    expect(new Set(d.perSegment!.map((s) => s.threshold)).size).toBe(6)

    const file = join(dir, 'ws', 'preds.csv')
    const out = (await host.call('runs.predictions', { id: d.id, path: file })) as MethodOutput<'runs.predictions'>
    expect(out).toMatchObject({ format: 'csv', rows: 480, scored: 480 })
    const { counts: c, point } = await pointwiseAgainstPredictions(host, d.id, file)
    // One row per window: point-wise is window-wise here.
    expect(point.confusion).toEqual(d.confusion)
    expect(c.segments).toEqual(new Set(['a/0', 'a/1', 'b/0', 'b/1', 'c/0', 'c/1']))
    expect(d.pointMetrics).toMatchObject({ rule: 'last', rows: 480, unscored: 0 })

    // A window of file c/1 is explained by c/1's own model, its score a margin like the stored one.
    const index = 5 * 80 + 70 - 40
    const why = (await host.call('runs.explain', { id: d.id, split: 'test', index })) as MethodOutput<'runs.explain'>
    expect(why.method).toBe('path-length')
    expect(why.score!).toBeCloseTo(why.storedScore!, 5)
    expect(why.features[0].name).toBe('s3')
  })

  it('an LSTM autoencoder per file trains unsupervised on training rows that hold anomalies; rows without a score are counted', async () => {
    const { host, version, dir } = setup()
    const spec = (trainingMode: string) => ({
      name: `perseg-ae-${trainingMode}`,
      dataset: { version },
      split: { kind: 'per-segment', train: { firstRows: 40 }, validationShare: 0.25 },
      model: {
        kind: 'lstm-autoencoder',
        params: { window: 5, units: [6, 3], epochs: 2, batchSize: 16, trainingMode, thresholdRule: { kind: 'train-quantile', quantile: 0.95, factor: 1.2 }, seed: 3 }
      }
    })
    const d = await runToDone(host, spec('unsupervised'))
    // One trial slot: the trial may use every core, as data-parallel threads (data-parallel.ts);
    // the wasm backend itself runs one thread. A batch of 16 is too small to split.
    expect(d.backend?.details).toMatchObject({ simd: true, threads: 1 })
    expect(d.perSegment).toHaveLength(6)
    expect(d.confusion).toEqual(sumConfusions(d))
    expect(d.params).toMatchObject({ trainingMode: 'unsupervised' })
    const file = join(dir, 'ws', 'ae.csv')
    const out = (await host.call('runs.predictions', { id: d.id, path: file })) as MethodOutput<'runs.predictions'>
    // 80 test rows per file; the first 4 of each get no score under the 'last' rule.
    expect(out).toMatchObject({ rows: 480, scored: 480 - 6 * 4 })
    const { counts: c, point } = await pointwiseAgainstPredictions(host, d.id, file)
    expect(c.unscored).toBe(24)
    expect(point).toMatchObject({ rows: 480, scored: 456, unscored: 24 })
  })

  it('the 6-file benchmark fixture, imported as one dataset: per-file forest and unsupervised autoencoder on the first 40 rows, pooled = sum, predictions = pooled point-wise counts', async () => {
    const tmp = tempDir('wb-perseg-fixture-')
    cleanups.push(tmp.remove)
    const host = makeHost(join(tmp.dir, 'ws'), { concurrency: 1 })
    cleanups.push(() => host.close())
    await host.call('paths.allow', { folder: tmp.dir })
    // File b/1's anomaly lies inside its first 40 rows: normal-only training would have nothing to learn from there.
    const fixture = writeSegmentedFixture(tmp.dir, { trainRows: 40, anomalyInTraining: ['b/1'] })
    const { jobId } = (await host.call('datasets.import', { files: [fixture.root], options: { extraLabelColumns: ['changepoint'] } })) as { jobId: string }
    const outcome = await host.jobs.waitFor(jobId)
    expect(outcome.error).toBeNull()
    const version = outcome.dataset!.id
    expect(outcome.dataset!.columns).not.toContain('changepoint')
    for (const model of [
      { kind: 'iforest', params: { nEstimators: 60, contamination: 0.05, seed: 2 } },
      { kind: 'lstm-autoencoder', params: { window: 5, units: [6, 3], epochs: 2, batchSize: 16, trainingMode: 'unsupervised', thresholdRule: { kind: 'train-quantile', quantile: 0.95, factor: 1.2 }, seed: 3 } }
    ]) {
      const d = await runToDone(host, { name: `fixture-${model.kind}`, dataset: { version }, split: { kind: 'per-segment', train: { firstRows: 40 } }, model })
      expect(d.perSegment!.map((s) => s.segment)).toEqual(fixture.segments.map((s) => s.segment))
      expect(d.confusion).toEqual(sumConfusions(d))
      const file = join(tmp.dir, 'ws', `${model.kind}.csv`)
      await host.call('runs.predictions', { id: d.id, path: file })
      const { counts: c, point } = await pointwiseAgainstPredictions(host, d.id, file)
      expect(c.unscored).toBe(point.unscored)
      expect(point.rows).toBe(fixture.totalRows - 6 * 40)
    }
  })
})


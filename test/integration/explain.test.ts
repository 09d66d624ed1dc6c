/**
 * Why a window scored as it did, through the contract on real trained runs (real SQLite file,
 * real training and inference worker processes): the raw window is exactly the dataset's rows;
 * on windows where one feature alone is perturbed that feature ranks first for the forest and
 * the autoencoder; the explanation's score is the stored one; feature importance ranks first the
 * feature that carries the anomalies; the host answers other calls while a model is at work.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { runToDone, tempDir, until, EXPERIMENTS } from '../helpers/workspace'
import { WorkbenchHost } from '../../src-main/host/workbench-host'
import { NodeWorkerLauncher } from '../../src-main/host/node-worker-launcher'
import type { Explanation, FeatureImportance, RunDetail, RunScores, RunWindow } from '../../src-main/contract/api'
import { loadDataset, saveDataset } from '../../src-main/core/store/datasets-repo'
import type { LabelledSeries } from '../../src-main/core/data/series'
import { createRng } from '../../src-main/core/data/rng'
import { startWebServer } from '../../src-main/web/server'
import { openSocket } from '../helpers/web-client'
import { fromWireJson } from '../../src-main/contract/wire'

const FEATURES = ['cpu', 'latency_p95', 'error_rate', 'traffic']
/** Level, swing and noise per feature: four metrics on very different scales. */
const LEVEL = [50, 200, 2, 1000]
const SWING = [5, 20, 0.2, 100]
const NOISE = [1, 4, 0.05, 20]
const ROWS = 3000
const EPISODE = 10

/**
 * A normal series with episodes where ONE feature is shifted by `shift` of its swing for 10 rows
 * (anomaly type `<feature>_shift`): `episodes` = [first row, feature] pairs.
 */
function perturbedSeries(seed: number, episodes: [number, number][], shift = 8): LabelledSeries {
  const rng = createRng(seed)
  const values = FEATURES.map((_, f) => Float32Array.from({ length: ROWS }, (_, r) => LEVEL[f] + SWING[f] * Math.sin((2 * Math.PI * r) / (40 + 13 * f)) + NOISE[f] * rng.normal()))
  const labels = new Uint8Array(ROWS)
  const anomalyType = new Uint8Array(ROWS)
  for (const [start, f] of episodes) {
    for (let r = start; r < start + EPISODE; r++) {
      values[f][r] += shift * SWING[f]
      labels[r] = 1
      anomalyType[r] = f + 1
    }
  }
  return {
    name: `perturbed-${seed}`,
    intervalMs: 60_000,
    timestamps: Float64Array.from({ length: ROWS }, (_, r) => Date.UTC(2025, 0, 1) + r * 60_000),
    columns: [...FEATURES],
    values,
    labels,
    anomalyTypeNames: FEATURES.map((f) => `${f}_shift`),
    anomalyType
  }
}

/** Time split 60/20/20: train rows 0-1799, validation 1800-2399, test 2400-2999. */
const SPLIT = { kind: 'time', trainFraction: 0.6, validationFraction: 0.2 }
/** One episode per feature in each part; the test ones are explained. */
const TEST_EPISODES: [number, number][] = FEATURES.map((_, f) => [2450 + 130 * f, f])
const EPISODES: [number, number][] = [...FEATURES.map((_, f) => [300 + 350 * f, f] as [number, number]), ...FEATURES.map((_, f) => [1850 + 130 * f, f] as [number, number]), ...TEST_EPISODES]

function newHost(dir: string, featureImportance: 'after-run' | 'on-demand'): WorkbenchHost {
  return new WorkbenchHost({ workspaceDir: dir, launcher: new NodeWorkerLauncher(), frontDoor: 'web', experimentsDir: EXPERIMENTS, concurrency: 2, featureImportance })
}

function train(host: WorkbenchHost, name: string, version: string, model: { kind: string; params: Record<string, unknown> }): Promise<RunDetail> {
  return runToDone(host, { name, dataset: { version }, split: SPLIT, model })
}

/** The stored window of the split that starts at `row`. */
async function windowStartingAt(host: WorkbenchHost, runId: number, row: number): Promise<number> {
  const s = (await host.call('runs.scores', { id: runId, split: 'test' })) as RunScores
  const i = s.starts!.indexOf(row)
  expect(i, `a test window starts at row ${row}`).toBeGreaterThanOrEqual(0)
  return i
}

const AUTOENCODER = {
  kind: 'lstm-autoencoder',
  params: { window: EPISODE, trainStride: 2, units: [16, 8], dropout: 0, epochs: 8, batchSize: 32, learningRate: 0.01, earlyStoppingPatience: null, reduceLrPatience: null, seed: 3 }
}

describe('explanations of stored windows', () => {
  const tmp = tempDir('wb-explain-')
  let host: WorkbenchHost
  let version: string
  let forest: RunDetail
  let autoencoder: RunDetail

  beforeAll(async () => {
    host = newHost(tmp.dir, 'on-demand')
    version = saveDataset(host.workspace.db, perturbedSeries(1, EPISODES), { source: 'imported' }).id
    forest = await train(host, 'explain-forest', version, { kind: 'iforest', params: { nEstimators: 100, seed: 1 } })
    autoencoder = await train(host, 'explain-autoencoder', version, AUTOENCODER)
  }, 240_000)
  afterAll(async () => {
    await host?.close()
    tmp.remove()
  })

  it('runs.window returns exactly the dataset rows of the window and its context, and the stored score', async () => {
    const series = loadDataset(host.workspace.db, version)
    const scores = (await host.call('runs.scores', { id: autoencoder.id, split: 'test' })) as RunScores
    for (const index of [0, 137, scores.count - 1]) {
      const w = (await host.call('runs.window', { id: autoencoder.id, split: 'test', index })) as RunWindow
      const start = scores.starts![index]
      expect(w).toMatchObject({ windowStart: start, windowEnd: start + EPISODE - 1, windowLength: EPISODE, datasetId: version, score: scores.scores[index], label: scores.labels[index] })
      // Context: one window length either side, capped to the segment (here: the end of the version).
      expect(w.from).toBe(start - EPISODE)
      expect(w.to).toBe(Math.min(ROWS, start + 2 * EPISODE))
      expect(w.segment).toEqual({ index: 0, id: series.name, start: 0, end: ROWS })
      expect(Array.from(w.timestamps)).toEqual(Array.from(series.timestamps.subarray(w.from, w.to)))
      expect(w.columns.map((c) => c.name)).toEqual(FEATURES)
      w.columns.forEach((c, j) => expect(Array.from(c.values)).toEqual(Array.from(series.values[j].subarray(w.from, w.to))))
      expect(Array.from(w.labels)).toEqual(Array.from(series.labels.subarray(w.from, w.to)))
      expect(Array.from(w.types)).toEqual(Array.from(series.anomalyType.subarray(w.from, w.to)))
      expect(w.trainedThreshold).toBe(autoencoder.threshold)
    }
    // A window over an episode carries its type; a wider context is honoured.
    const index = await windowStartingAt(host, autoencoder.id, TEST_EPISODES[1][0])
    const w = (await host.call('runs.window', { id: autoencoder.id, split: 'test', index, context: 100 })) as RunWindow
    expect(w).toMatchObject({ label: 1, type: 'latency_p95_shift', from: TEST_EPISODES[1][0] - 100, to: TEST_EPISODES[1][0] + EPISODE + 100 })
  })

  it('a window and its explanation cross the WebSocket as typed arrays', async () => {
    const web = await startWebServer({ host, staticDir: 'out/renderer', token: 't'.repeat(32) })
    const ws = await openSocket(web.port, '', { authorization: `Bearer ${'t'.repeat(32)}` })
    try {
      const call = (id: number, method: string, input: unknown) =>
        new Promise<unknown>((ok, fail) => {
          ws.on('message', (data) => {
            const frame = fromWireJson(String(data)) as { type: string; id?: number; ok: boolean; output: unknown; error: unknown }
            if (frame.type === 'result' && frame.id === id) (frame.ok ? ok(frame.output) : fail(frame.error))
          })
          ws.send(JSON.stringify({ type: 'call', id, method, input }))
        })
      const index = await windowStartingAt(host, autoencoder.id, TEST_EPISODES[3][0])
      const direct = (await host.call('runs.window', { id: autoencoder.id, split: 'test', index })) as RunWindow
      const w = (await call(1, 'runs.window', { id: autoencoder.id, index })) as RunWindow
      expect(w.timestamps).toBeInstanceOf(Float64Array)
      expect(w.columns[3].values).toBeInstanceOf(Float32Array)
      expect(w.labels).toBeInstanceOf(Uint8Array)
      expect(Array.from(w.columns[3].values)).toEqual(Array.from(direct.columns[3].values))
      const e = (await call(2, 'runs.explain', { id: autoencoder.id, index })) as Explanation
      expect(e.steps!.values).toBeInstanceOf(Float32Array)
      expect(e.reconstruction!.columns[0].values).toBeInstanceOf(Float32Array)
      expect(e.features[0].name).toBe(FEATURES[3])
    } finally {
      ws.close()
      await web.close()
    }
  }, 60_000)

  it('an out-of-range window and a run stored before tracing are clear bad_input errors', async () => {
    await expect(host.call('runs.window', { id: forest.id, split: 'test', index: 600 })).rejects.toMatchObject({ code: 'bad_input', path: 'index', message: expect.stringMatching(/window 600 does not exist: the test split of run \d+ has 600 windows \(0 to 599\)/) })
    const old = await train(host, 'explain-old', version, { kind: 'iforest', params: { nEstimators: 10, seed: 2 } })
    host.workspace.db.prepare('UPDATE run_scores SET starts = NULL, window_length = NULL WHERE run_id = ?').run(old.id)
    for (const method of ['runs.window', 'runs.explain'] as const) {
      await expect(host.call(method, { id: old.id, split: 'test', index: 0 })).rejects.toMatchObject({ code: 'bad_input', message: expect.stringMatching(/before scores were traced to rows/) })
    }
  }, 120_000)

  it('the forest credits the one perturbed feature first, and its score is the stored one', async () => {
    const scores = (await host.call('runs.scores', { id: forest.id, split: 'test' })) as RunScores
    for (const [start, f] of TEST_EPISODES) {
      const index = await windowStartingAt(host, forest.id, start + 5)
      const e = (await host.call('runs.explain', { id: forest.id, split: 'test', index })) as Explanation
      expect(e.method).toBe('path-length')
      expect(e.features[0].name, e.summary).toBe(FEATURES[f])
      expect(e.features[0].share).toBeGreaterThan(0.5)
      expect(e.summary).toMatch(new RegExp(`^${FEATURES[f]} carries \\d+ % of the path-length evidence`))
      expect(Math.abs(e.score - scores.scores[index])).toBeLessThan(1e-6)
      expect(e.storedScore).toBe(scores.scores[index])
      expect(e.steps).toBeNull()
      expect(e.reconstruction).toBeNull()
    }
  }, 60_000)

  it('the autoencoder blames the one perturbed feature, draws its reconstruction in raw units, and matches the stored score', async () => {
    const scores = (await host.call('runs.scores', { id: autoencoder.id, split: 'test' })) as RunScores
    const warm: boolean[] = []
    for (const [start, f] of TEST_EPISODES) {
      const index = await windowStartingAt(host, autoencoder.id, start)
      const e = (await host.call('runs.explain', { id: autoencoder.id, split: 'test', index })) as Explanation
      warm.push(e.warm)
      expect(e.method).toBe('reconstruction-error')
      expect(e.features[0].name, e.summary).toBe(FEATURES[f])
      expect(e.summary).toMatch(new RegExp(`^${FEATURES[f]} carries \\d+ % of the reconstruction error`))
      // ONNX Runtime over the exported checkpoint gives the score the trainer stored.
      expect(Math.abs(e.score - scores.scores[index])).toBeLessThan(1e-4)
      expect(e.steps!.length).toBe(EPISODE)
      expect(e.steps!.featureOrder).toEqual(FEATURES)
      expect(e.steps!.values).toHaveLength(EPISODE * FEATURES.length)
      // The reconstruction is in raw units: close to the input on an untouched feature, far from it on the shifted one.
      const w = (await host.call('runs.window', { id: autoencoder.id, split: 'test', index, context: 0 })) as RunWindow
      expect(e.reconstruction!.from).toBe(w.windowStart)
      const gap = (j: number) => e.reconstruction!.columns[j].values.reduce((a, v, t) => a + Math.abs(v - w.columns[j].values[t]), 0) / EPISODE
      const other = (f + 1) % FEATURES.length
      expect(gap(other)).toBeLessThan(3 * SWING[other])
      expect(gap(f)).toBeGreaterThan(3 * SWING[f])
    }
    // The model was exported once: every explanation after the first found it loaded.
    expect(warm.slice(1)).toEqual([true, true, true])
  }, 120_000)

  it('the host answers other calls while an explanation is being computed', async () => {
    // A fresh host: its first explanation starts a worker and exports the model, seconds of work.
    const other = newHost(tmp.dir, 'on-demand')
    try {
      const index = await windowStartingAt(other, autoencoder.id, TEST_EPISODES[0][0])
      let explained = false
      const explaining = (other.call('runs.explain', { id: autoencoder.id, split: 'test', index }) as Promise<Explanation>).then((e) => {
        explained = true
        return e
      })
      const info = await other.call('app.info', {})
      const listed = (await other.call('runs.list', {})) as unknown[]
      expect(info).toMatchObject({ workspace: tmp.dir })
      expect(listed.length).toBeGreaterThanOrEqual(2)
      expect(explained).toBe(false)
      expect((await explaining).warm).toBe(false)
    } finally {
      await other.close()
    }
  }, 60_000)

  it('a classifier is explained by occlusion per feature and per step, at its stored score', async () => {
    const classifier = await train(host, 'explain-classifier', version, {
      kind: 'lstm-classifier',
      params: { window: EPISODE, trainStride: 2, units: [8], denseUnits: 4, epochs: 2, batchSize: 32, classWeight: 'balanced', earlyStoppingPatience: null, reduceLrPatience: null, seed: 1 }
    })
    const scores = (await host.call('runs.scores', { id: classifier.id, split: 'test' })) as RunScores
    const index = await windowStartingAt(host, classifier.id, TEST_EPISODES[2][0])
    const e = (await host.call('runs.explain', { id: classifier.id, split: 'test', index })) as Explanation
    expect(e.method).toBe('occlusion')
    expect(Math.abs(e.score - scores.scores[index])).toBeLessThan(1e-4)
    expect(e.features.map((x) => x.name).sort()).toEqual([...FEATURES].sort())
    expect(e.features.map((x) => x.contribution)).toEqual([...e.features.map((x) => x.contribution)].sort((a, b) => b - a))
    expect(e.steps!.values).toHaveLength(EPISODE * FEATURES.length)
    expect(e.reconstruction).toBeNull()
    expect(e.methodNote).toMatch(/training mean/)
  }, 180_000)
})

describe('feature importance of finished runs', () => {
  const tmp = tempDir('wb-importance-')
  let host: WorkbenchHost
  let version: string
  /** Every anomaly is in error_rate: the feature a detector must rely on. */
  const ERRORS = 2
  const episodes: [number, number][] = Array.from({ length: 24 }, (_, k) => [60 + k * 120, ERRORS])

  beforeAll(() => {
    host = newHost(tmp.dir, 'after-run')
    version = saveDataset(host.workspace.db, perturbedSeries(7, episodes, 6), { source: 'imported' }).id
  })
  afterAll(async () => {
    await host?.close()
    tmp.remove()
  })

  /** The run's detail once its importance is no longer being computed. */
  async function importanceWhenReady(id: number): Promise<RunDetail> {
    await until(() => host.detail(id).featureImportanceState.state !== 'computing', 150_000, `run ${id}'s feature importance`)
    return host.detail(id)
  }

  it('a forest run gets it from the trees after it finishes, the anomalous feature first', async () => {
    const run = await train(host, 'importance-forest', version, { kind: 'iforest', params: { nEstimators: 100, seed: 1 } })
    const d = await importanceWhenReady(run.id)
    expect(d.featureImportanceState).toEqual({ state: 'ready', message: null })
    const fi = d.featureImportance!
    expect(fi).toMatchObject({ method: 'path-length', split: 'validation', windowsUsed: 600, windowsTotal: 600, repeats: null })
    expect(fi.features[0].name).toBe(FEATURES[ERRORS])
    expect(fi.features.map((f) => f.name).sort()).toEqual([...FEATURES].sort())
  }, 120_000)

  it('a deep run gets permutation importance on its validation windows, the anomalous feature first', async () => {
    const run = await train(host, 'importance-autoencoder', version, AUTOENCODER)
    const d = await importanceWhenReady(run.id)
    expect(d.featureImportanceState.state, d.featureImportanceState.message ?? '').toBe('ready')
    const fi = d.featureImportance!
    expect(fi).toMatchObject({ method: 'permutation', split: 'validation', repeats: 3, windowsTotal: 600 - EPISODE + 1 })
    expect(fi.windowsUsed).toBeLessThanOrEqual(1000)
    expect(fi.features[0].name).toBe(FEATURES[ERRORS])
    expect(fi.features[0].importance).toBeGreaterThan(0)
    expect(fi.features.every((f) => f.std !== null && f.std >= 0)).toBe(true)
    expect(fi.metric).toMatch(/ROC AUC/)
  }, 180_000)

  it('an older run without it gets it on demand, and it is stored', async () => {
    // A host that does not compute it after runs (a CLI command's) leaves the run as an older one would be.
    const own = tempDir('wb-importance-old-')
    let cli = newHost(own.dir, 'on-demand')
    try {
      const id = saveDataset(cli.workspace.db, perturbedSeries(7, episodes, 6), { source: 'imported' }).id
      const run = await train(cli, 'importance-later', id, { kind: 'iforest', params: { nEstimators: 50, seed: 4 } })
      expect(run.featureImportance).toBeNull()
      expect(run.featureImportanceState.state).toBe('missing')
      const fi = (await cli.call('runs.featureImportance', { id: run.id })) as FeatureImportance
      expect(fi).toMatchObject({ method: 'path-length', split: 'validation' })
      expect(fi.features[0].name).toBe(FEATURES[ERRORS])
      // Stored: a new host on the workspace reads it without computing.
      await cli.close()
      cli = newHost(own.dir, 'on-demand')
      const d = (await cli.call('runs.get', { id: run.id })) as RunDetail
      expect(d.featureImportanceState).toEqual({ state: 'ready', message: null })
      expect(d.featureImportance).toEqual(fi)
    } finally {
      await cli.close()
      own.remove()
    }
  }, 120_000)
})

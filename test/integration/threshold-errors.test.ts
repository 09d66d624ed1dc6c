/**
 * Threshold decisions and error lists through the real command line (issue 10's done-when):
 * `runs errors --kind fn|fp --json` lists exactly the windows the confusion matrix counts, for
 * every model kind, at the trained and at a moved threshold; `runs threshold --pick targets`
 * chooses on validation and reports test; a saved decision is the threshold a bundle exported
 * afterwards carries, and the history shows trained and chosen.
 *
 * The runs train once in a real host (worker processes, a real SQLite file); every check then
 * runs `workbench` as a user does, in its own process on that workspace.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { REPO, makeHost, tempDir } from '../helpers/workspace'
import type { RunDetail, RunScores, ThresholdReport, ThresholdPick, ErrorItem, ErrorEpisode, RunThresholds } from '../../src-main/contract/api'
import { ThresholdSweep } from '../../src-main/core/eval/threshold-sweep'
import { pickThreshold } from '../../src-main/core/eval/threshold-pick'

const tmp = tempDir('wb-threshold-')
const ws = join(tmp.dir, 'ws')

function workbench(...args: string[]) {
  const r = spawnSync(process.execPath, [join(REPO, 'bin/workbench.cjs'), ...args, '--workspace', ws], { cwd: REPO, encoding: 'utf8', timeout: 120_000 })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}

function json<T>(...args: string[]): T {
  const r = workbench(...args, '--json')
  if (r.code !== 0) throw new Error(`workbench ${args.join(' ')} exited ${r.code}: ${r.stderr}`)
  return JSON.parse(r.stdout) as T
}

interface ErrorsJson {
  total: number
  listed: number
  threshold: number
  thresholdFrom: string
  items: ErrorItem[]
  episodes: ErrorEpisode[]
}

/** Tiny specs that train in seconds; every split has a validation part. */
const SPECS = {
  iforest: {
    name: 'te-iforest',
    dataset: { generator: 'helios-detection', params: { days: 4, seed: 2 } },
    split: { kind: 'time', trainFraction: 0.5, validationFraction: 0.25 },
    model: { kind: 'iforest', params: { nEstimators: 60, seed: 1 } },
    objective: { metric: 'f1', direction: 'maximize' },
    targets: ['recall >= 0.6']
  },
  'lstm-classifier': {
    name: 'te-classifier',
    dataset: { generator: 'helios-events', params: { scale: 0.01, seed: 3 } },
    split: { kind: 'time', trainFraction: 0.7, validationFraction: 0.15 },
    model: { kind: 'lstm-classifier', params: { window: 20, trainStride: 4, units: [8], denseUnits: 4, epochs: 1, batchSize: 64, seed: 1 } }
  },
  'lstm-autoencoder': {
    name: 'te-autoencoder',
    dataset: { generator: 'dwcp-network', params: { days: 3, seed: 1 } },
    split: { kind: 'time', trainFraction: 0.7, validationFraction: 0.15 },
    model: { kind: 'lstm-autoencoder', params: { window: 10, trainStride: 2, units: [8, 4], encodingDim: 4, epochs: 1, batchSize: 64, seed: 3 } }
  },
  'lstm-attention': {
    name: 'te-attention',
    dataset: { generator: 'business-risk', params: { businesses: 120, seed: 4 } },
    split: { kind: 'entity', trainFraction: 0.6, validationFraction: 0.15, seed: 0 },
    model: {
      kind: 'lstm-attention',
      params: { lstmUnits: [8, 8], heads: 1, keyDim: 4, dropout: 0.1, epochs: 1, folds: 0, batchSize: 64, windowStride: 4, mcSamples: 2, mcMaxWindows: 50, seed: 1 }
    }
  }
} as const
type Kind = keyof typeof SPECS

const runIds = {} as Record<Kind, number>
/** A threshold that moves the confusion matrix away from the trained one: the median score of the test split's labelled windows. */
const moved = {} as Record<Kind, number>
const scores = {} as Record<Kind, { validation: RunScores; test: RunScores }>

beforeAll(async () => {
  const host = makeHost(ws)
  try {
    const started = await Promise.all(Object.values(SPECS).map((spec) => host.call('runs.start', { spec }) as Promise<{ runId: number }>))
    ;(Object.keys(SPECS) as Kind[]).forEach((k, i) => (runIds[k] = started[i].runId))
    for (const k of Object.keys(SPECS) as Kind[]) {
      const run = await host.runs.waitFor(runIds[k])
      expect(run.status, `${k}: ${run.statusReason ?? ''}`).toBe('done')
      const test = (await host.call('runs.scores', { id: runIds[k], split: 'test' })) as RunScores
      const validation = (await host.call('runs.scores', { id: runIds[k], split: 'validation' })) as RunScores
      scores[k] = { validation, test }
      const positives = Array.from(test.scores.filter((_, i) => test.labels[i] === 1)).sort((a, b) => a - b)
      expect(positives.length, `${k} has labelled test windows`).toBeGreaterThan(2)
      moved[k] = positives[Math.floor(positives.length / 2)]
    }
  } finally {
    await host.close()
  }
}, 600_000)
afterAll(() => tmp.remove())

describe('runs errors lists what the confusion matrix counts', () => {
  it.each(Object.keys(SPECS) as Kind[])(
    '%s: as many FN and FP windows as the confusion matrix, at the trained threshold and at a moved one (runs threshold --at)',
    (kind) => {
      const id = String(runIds[kind])
      const detail = json<RunDetail & { thresholds: RunThresholds }>('runs', 'show', id)
      expect(detail.thresholds.trained).toBe(detail.threshold)
      const fn = json<ErrorsJson>('runs', 'errors', id, '--kind', 'fn')
      const fp = json<ErrorsJson>('runs', 'errors', id, '--kind', 'fp')
      expect(fn).toMatchObject({ threshold: detail.threshold, thresholdFrom: 'trained', total: detail.confusion!.fn, listed: detail.confusion!.fn })
      expect(fp).toMatchObject({ threshold: detail.threshold, total: detail.confusion!.fp, listed: detail.confusion!.fp })
      expect(fn.items).toHaveLength(detail.confusion!.fn)
      expect(fp.items).toHaveLength(detail.confusion!.fp)
      // Each listed window is what it says, once.
      const t = detail.threshold!
      expect(new Set(fn.items.map((i) => i.index)).size).toBe(fn.items.length)
      for (const it of fn.items) expect(it.label === 1 && (it.score === null || it.score < t)).toBe(true)
      for (const it of fp.items) expect(it.label === 0 && it.score! >= t && it.episode === null).toBe(true)

      // A moved threshold: runs threshold --at reports the confusion matrix, runs errors lists it.
      const at = String(moved[kind])
      const report = json<ThresholdReport>('runs', 'threshold', id, '--at', at)
      expect(report).toMatchObject({ threshold: moved[kind], thresholdFrom: 'request' })
      expect(report.splits.map((s) => s.split)).toEqual(kind === 'iforest' ? ['train', 'validation', 'test'] : ['validation', 'test'])
      const test = report.splits.find((s) => s.split === 'test')!.metrics
      expect(test.confusion).not.toEqual(detail.confusion)
      const fnAt = json<ErrorsJson>('runs', 'errors', id, '--kind', 'fn', '--threshold', at)
      const fpAt = json<ErrorsJson>('runs', 'errors', id, '--kind', 'fp', '--threshold', at)
      expect([fnAt.total, fnAt.items.length]).toEqual([test.confusion.fn, test.confusion.fn])
      expect([fpAt.total, fpAt.items.length]).toEqual([test.confusion.fp, test.confusion.fp])
      // Every listed FN is grouped under an episode of labelled rows that the list also describes.
      const episodes = new Map(fnAt.episodes.map((e) => [e.id, e]))
      for (const it of fnAt.items) if (it.episode !== null) expect(episodes.has(it.episode)).toBe(true)
    },
    240_000
  )
})

describe('runs threshold --pick', () => {
  it('targets: reports the threshold chosen on validation, the validation metrics it was chosen on and the test metrics at it', () => {
    const id = String(runIds.iforest)
    const pick = json<ThresholdPick>('runs', 'threshold', id, '--pick', 'targets')
    const opts = { targets: ['recall >= 0.6'], objective: { metric: 'f1', direction: 'maximize' as const } }
    const val = new ThresholdSweep({ scores: scores.iforest.validation.scores, labels: scores.iforest.validation.labels })
    const test = new ThresholdSweep({ scores: scores.iforest.test.scores, labels: scores.iforest.test.labels })
    // The fixture: the best threshold on test is another one, so a pick made on test is caught.
    const onTest = pickThreshold(test, opts)
    const onValidation = pickThreshold(val, opts)
    expect(onTest.threshold).not.toBe(onValidation.threshold)
    expect(pick).toMatchObject({ rule: 'targets', decidedBy: onValidation.rule, chosenOn: 'validation', reportedOn: 'test', threshold: onValidation.threshold })
    expect(pick.validation).toMatchObject({ split: 'validation', windows: scores.iforest.validation.count })
    expect(pick.test).toMatchObject({ split: 'test', windows: scores.iforest.test.count })
    expect(pick.validation.metrics.confusion).toEqual(val.at(pick.threshold).confusion)
    expect(pick.validation.metrics.f1).toBeCloseTo(onValidation.validation.f1, 12)
    expect(pick.test!.metrics.confusion).toEqual(test.at(pick.threshold).confusion)
    expect(pick.validation.targets.map((t) => [t.text, t.met])).toEqual([['recall >= 0.6', pick.validation.metrics.recall >= 0.6]])
    expect(pick.basis).toMatch(/^chosen on validation: /)

    const human = workbench('runs', 'threshold', id, '--pick', 'targets')
    expect(human.code).toBe(0)
    expect(human.stdout).toMatch(/validation \(chosen on\)/)
    expect(human.stdout).toMatch(/test \(reported\)/)
    expect(human.stdout).toMatch(/never used to choose it/)
  })

  it('bad usage exits 2 naming the flag; a run without validation scores says why it cannot pick', async () => {
    const id = String(runIds.iforest)
    const noKind = workbench('runs', 'errors', id)
    expect([noKind.code, noKind.stderr]).toEqual([2, expect.stringMatching(/--kind is required/)])
    const badPick = workbench('runs', 'threshold', id, '--pick', 'test')
    expect([badPick.code, badPick.stderr]).toEqual([2, expect.stringMatching(/--pick must be one of targets, objective/)])
    const badAt = workbench('runs', 'threshold', id, '--at', 'high')
    expect([badAt.code, badAt.stderr]).toEqual([2, expect.stringMatching(/--at must be a number/)])
    expect(workbench('runs', 'errors', '999', '--kind', 'fn').stderr).toMatch(/run 999 not found/)

    const host = makeHost(ws)
    let runId: number
    try {
      ;({ runId } = (await host.call('runs.start', {
        spec: { name: 'te-no-validation', dataset: { generator: 'helios-detection', params: { days: 2, seed: 2 } }, split: { kind: 'time', trainFraction: 0.6, validationShare: 0 }, model: { kind: 'iforest', params: { nEstimators: 20, seed: 1 } } }
      })) as { runId: number })
      expect((await host.runs.waitFor(runId)).status).toBe('done')
      // A run stored before scores were traced.
      host.workspace.db.prepare('UPDATE run_scores SET starts = NULL, window_length = NULL WHERE run_id = ?').run(runId)
    } finally {
      await host.close()
    }
    const noValidation = workbench('runs', 'threshold', String(runId), '--pick', 'targets')
    expect(noValidation.code).toBe(2)
    expect(noValidation.stderr).toMatch(/stored no validation scores \(it has: train, test\): a threshold is chosen on validation/)
    const untraced = workbench('runs', 'errors', String(runId), '--kind', 'fn')
    expect(untraced.code).toBe(2)
    expect(untraced.stderr).toMatch(/stored before scores were traced to rows/)
    // Metrics still come from the scores; event metrics say why they are missing.
    const report = json<ThresholdReport>('runs', 'threshold', String(runId))
    expect(report.splits.every((s) => s.metrics.events === null && /before scores were traced/.test(s.eventsNote ?? ''))).toBe(true)
  }, 120_000)
})

describe('threshold decisions', () => {
  it('a saved pick is the threshold a bundle exported afterwards carries, and the history shows trained and chosen; --reset goes back', () => {
    const id = String(runIds.iforest)
    const trained = json<RunDetail>('runs', 'show', id).threshold!
    const saved = json<ThresholdPick & { saved: RunThresholds }>('runs', 'threshold', id, '--pick', 'targets', '--save', '--note', 'seed 002 targets')
    const chosen = saved.threshold
    expect(chosen).not.toBe(trained)
    expect(saved.saved).toMatchObject({ trained, effective: chosen, chosen: { threshold: chosen, source: 'pick-targets', note: 'seed 002 targets', basis: saved.basis } })
    expect(saved.saved.chosen!.test!.confusion).toEqual(saved.test!.metrics.confusion)
    expect(saved.saved.chosen!.validation!.confusion).toEqual(saved.validation.metrics.confusion)

    // The run's threshold now defaults to the chosen one.
    expect(json<ThresholdReport>('runs', 'threshold', id)).toMatchObject({ threshold: chosen, thresholdFrom: 'chosen' })
    const show = workbench('runs', 'show', id)
    expect(show.stdout).toContain(`threshold: trained ${trained.toFixed(4)}; chosen ${chosen.toFixed(4)} (pick-targets`)

    const out = join(tmp.dir, 'bundles')
    const exported = json<{ dir: string }>('export', id, '--to', out)
    const config = JSON.parse(readFileSync(join(exported.dir, 'model_config.json'), 'utf8'))
    const metrics = JSON.parse(readFileSync(join(exported.dir, 'metrics.json'), 'utf8'))
    expect(config.threshold).toBe(chosen)
    expect(config.thresholdDecision).toMatchObject({ trained, chosen, source: 'pick-targets' })
    expect(metrics.threshold).toBe(chosen)
    expect(metrics.confusion).toEqual(saved.test!.metrics.confusion)
    expect(metrics.test.recall).toBe(saved.test!.metrics.recall)
    expect(metrics.atTrainedThreshold.threshold).toBe(trained)
    expect(readFileSync(join(exported.dir, 'README.md'), 'utf8')).toContain(`trained at ${trained}, chosen at ${chosen} on validation by rule pick-targets`)
    expect(workbench('verify', exported.dir).code).toBe(0)

    const reset = json<ThresholdReport & { saved: RunThresholds }>('runs', 'threshold', id, '--reset')
    expect(reset.saved).toMatchObject({ trained, chosen: null, effective: trained })
    expect(reset.saved.history.map((d) => [d.source, d.threshold])).toEqual([
      ['pick-targets', chosen],
      ['trained', trained]
    ])
    const again = json<{ dir: string }>('export', id, '--to', out)
    expect(JSON.parse(readFileSync(join(again.dir, 'model_config.json'), 'utf8'))).toMatchObject({ threshold: trained })
    expect(JSON.parse(readFileSync(join(again.dir, 'model_config.json'), 'utf8')).thresholdDecision).toBeUndefined()
  }, 240_000)

  it('a pick source must be what the pick chooses; a manual decision is saved as given', async () => {
    const host = makeHost(ws)
    try {
      const id = runIds['lstm-classifier']
      await expect(host.call('runs.setThreshold', { id, threshold: 0.123, source: 'pick-objective' })).rejects.toMatchObject({ code: 'bad_input', path: 'threshold' })
      const t = (await host.call('runs.setThreshold', { id, threshold: 0.123, source: 'manual', note: 'by eye' })) as RunThresholds
      expect(t.chosen).toMatchObject({ threshold: 0.123, source: 'manual', basis: 'set by hand', note: 'by eye' })
      const detail = (await host.call('runs.get', { id })) as RunDetail
      expect(detail.thresholds.effective).toBe(0.123)
      expect(detail.threshold).toBe(detail.thresholds.trained)
    } finally {
      await host.close()
    }
  })
})

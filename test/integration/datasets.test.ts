/**
 * Dataset versions through the host: generation and import in real data-worker processes, the
 * editor's views, label edits as child versions with lineage, export, the watched import
 * folder, and runs on stored versions with splits.
 */
import { describe, it, expect, beforeAll, afterAll, vi } from 'vitest'
import { copyFileSync, existsSync, readdirSync, readFileSync, writeFileSync, openSync, writeSync, closeSync } from 'node:fs'
import { join } from 'node:path'
import { WorkbenchHost } from '../../src-main/host/workbench-host'
import { NodeWorkerLauncher } from '../../src-main/host/node-worker-launcher'
import { tempDir, until, EXPERIMENTS } from '../helpers/workspace'
import { saveDataset, loadDataset, listDatasets } from '../../src-main/core/store/datasets-repo'
import { columnHistograms } from '../../src-main/core/data/column-stats'
import { generateScenario } from '../../src-main/core/data/scenarios'
import type { LabelledSeries } from '../../src-main/core/data/series'
import { DatasetJobs } from '../../src-main/host/dataset-jobs'
import type { WorkerLauncher } from '../../src-main/host/worker-launcher'
import type { DatasetDetail, DatasetSummary, ImportPreview, JobProgress, RangePage, SeriesWindow } from '../../src-main/contract/api'
import { writeSegmentedFixture, SEGMENT_NAMES } from '../helpers/segmented-fixture'

let tmp: ReturnType<typeof tempDir>
let host: WorkbenchHost
const jobEvents: JobProgress[] = []
const changed: string[] = []

beforeAll(async () => {
  tmp = tempDir('wb-datasets-')
  host = new WorkbenchHost({ workspaceDir: join(tmp.dir, 'ws'), launcher: new NodeWorkerLauncher(), frontDoor: 'web', experimentsDir: EXPERIMENTS, watchImportFolder: true })
  // The test's files live beside the workspace: allowed as a user would after confirming.
  await host.call('paths.allow', { folder: tmp.dir })
  host.onEvent((name, payload) => {
    if (name === 'dataset.job') jobEvents.push(payload as JobProgress)
    if (name === 'datasets.changed') changed.push((payload as { id: string }).id)
  })
})
afterAll(async () => {
  await host.close()
  tmp.remove()
})

async function generate(scenario: string, params: Record<string, unknown>): Promise<string> {
  const { jobId } = (await host.call('datasets.generate', { scenario, params })) as { jobId: string }
  const outcome = await host.jobs.waitFor(jobId)
  expect(outcome.error).toBeNull()
  return outcome.dataset!.id
}

describe('datasets', () => {
  let baseId: string

  it('generates in a data worker, reporting progress, and stores a content-hashed version', async () => {
    baseId = await generate('helios-detection', { days: 2, seed: 9 })
    expect(baseId).toMatch(/^[0-9a-f]{64}$/)
    const mine = jobEvents.filter((e) => e.kind === 'generate')
    expect(mine.at(-1)).toMatchObject({ done: true, datasetId: baseId, error: null })
    expect(changed).toContain(baseId)
    // Same params, same content: the same version, not a copy.
    expect(await generate('helios-detection', { days: 2, seed: 9 })).toBe(baseId)
    expect(((await host.call('datasets.list', {})) as DatasetSummary[]).filter((d) => d.id === baseId)).toHaveLength(1)
  })

  it('refuses bad generator params before starting a worker', async () => {
    await expect(host.call('datasets.generate', { scenario: 'helios-detection', params: { days: -1 } })).rejects.toMatchObject({ code: 'bad_input', path: 'params.days' })
    await expect(host.call('datasets.generate', { scenario: 'nope', params: {} })).rejects.toMatchObject({ code: 'bad_input', path: 'scenario' })
  })

  it('serves the editor: details, downsampled windows, ranges, histograms', async () => {
    const d = (await host.call('datasets.get', { id: baseId.slice(0, 10) })) as DatasetDetail
    expect(d).toMatchObject({ id: baseId, rows: 576, segmentCount: 1, lineage: [], children: [] })
    expect(d.stats).toHaveLength(12)
    const w = (await host.call('datasets.window', { id: baseId, buckets: 100 })) as SeriesWindow
    expect(w.start).toHaveLength(100)
    expect(w.columns).toHaveLength(12)
    const ranges = (await host.call('datasets.ranges', { id: baseId, limit: 1000 })) as RangePage
    expect(ranges.total).toBe(ranges.ranges.length)
    expect(ranges.ranges.reduce((a, r) => a + r.end - r.start, 0)).toBe(d.labelCount)
    const h = (await host.call('datasets.histograms', { id: baseId, bins: 20 })) as { normal: number[] }[]
    expect(h).toHaveLength(12)
    await expect(host.call('datasets.window', { id: baseId, segment: 3 })).rejects.toMatchObject({ code: 'bad_input', path: 'segment' })
    await expect(host.call('datasets.get', { id: 'abcdef12' })).rejects.toMatchObject({ code: 'not_found' })
  })

  it('label edits make a child version with lineage; the parent is untouched', async () => {
    const before = (await host.call('datasets.get', { id: baseId })) as DatasetDetail
    const r = (await host.call('datasets.saveLabels', { id: baseId, edits: [{ start: 10, end: 20, label: 1, type: 'manual' }] })) as { id: string; created: boolean }
    expect(r.created).toBe(true)
    const child = (await host.call('datasets.get', { id: r.id })) as DatasetDetail
    expect(child.parentId).toBe(baseId)
    expect(child.lineage.map((l) => l.id)).toEqual([baseId])
    expect(child.labelCount).toBe(before.labelCount + 10)
    expect(child.typeCounts.manual).toBe(10)
    expect(child.note).toMatch(/labelled 1 range/)
    expect(((await host.call('datasets.get', { id: baseId })) as DatasetDetail).labelCount).toBe(before.labelCount)
    expect(((await host.call('datasets.get', { id: baseId })) as DatasetDetail).children.map((c) => c.id)).toEqual([r.id])
    await expect(host.call('datasets.saveLabels', { id: baseId, edits: [{ start: 570, end: 600, label: 1 }] })).rejects.toMatchObject({ code: 'bad_input' })
  })

  it('exports CSV that imports back to the same version', async () => {
    const file = join(tmp.dir, 'export.csv')
    const r = (await host.call('datasets.export', { id: baseId, path: file })) as { rows: number; bytes: number }
    expect(r.rows).toBe(576)
    expect(readFileSync(file, 'utf8').split('\n')[0]).toMatch(/^timestamp,event_count,/)
    const { jobId } = (await host.call('datasets.import', { files: [file], options: {} })) as { jobId: string }
    const outcome = await host.jobs.waitFor(jobId)
    expect(outcome.error).toBeNull()
    const imported = outcome.dataset!
    expect(imported.source).toBe('imported')
    expect(imported.rows).toBe(576)
    expect(imported.labelCount).toBe(((await host.call('datasets.get', { id: baseId })) as DatasetDetail).labelCount)
  })

  it('a bad file fails the import with file, line and column, and stores nothing', async () => {
    const bad = join(tmp.dir, 'bad.csv')
    writeFileSync(bad, 'timestamp,a,b,label\n2024-01-01T00:00:00Z,1,2,0\n2024-01-01T00:01:00Z,1,oops,0\n')
    const count = ((await host.call('datasets.list', {})) as unknown[]).length
    const { jobId } = (await host.call('datasets.import', { files: [bad], options: {} })) as { jobId: string }
    const outcome = await host.jobs.waitFor(jobId)
    expect(outcome.dataset).toBeNull()
    expect(outcome.error).toMatch(/bad\.csv/)
    expect(outcome.error).toMatch(/3/)
    expect(outcome.error).toMatch(/'b'/)
    expect(((await host.call('datasets.list', {})) as unknown[]).length).toBe(count)
  })

  it('a CSV dropped in the watched import folder is imported once complete', async () => {
    const importDir = host.importWatcher!.dir
    // The export minus its last row: new content, so a new version (same content would be the same one).
    const lines = readFileSync(join(tmp.dir, 'export.csv'), 'utf8').trimEnd().split('\n')
    const text = Buffer.from(lines.slice(0, -1).join('\n') + '\n')
    // Write it slowly in two halves: the watcher must not read it half-way.
    const target = join(importDir, 'dropped.csv')
    const fd = openSync(target, 'w')
    writeSync(fd, text.subarray(0, Math.floor(text.length / 2)))
    await new Promise((r) => setTimeout(r, 300))
    writeSync(fd, text.subarray(Math.floor(text.length / 2)))
    closeSync(fd)
    await until(() => existsSync(join(importDir, 'imported', 'dropped.csv')), 30_000, 'the dropped file to be imported')
    const list = (await host.call('datasets.list', {})) as DatasetSummary[]
    expect(list.some((d) => d.source === 'imported' && d.rows === 575 && (d.params.files as string[])?.includes('dropped.csv'))).toBe(true)
    expect(changed.length).toBeGreaterThan(0)
    // A broken file lands in failed/ with the reason beside it.
    copyFileSync(join(tmp.dir, 'bad.csv'), join(importDir, 'broken.csv'))
    await until(() => existsSync(join(importDir, 'failed', 'broken.csv.error.txt')), 30_000, 'the broken file to be refused')
    expect(readFileSync(join(importDir, 'failed', 'broken.csv.error.txt'), 'utf8')).toMatch(/broken\.csv/)
    expect(readdirSync(importDir).filter((f) => f.endsWith('.csv'))).toEqual([])
  })

  it('runs an experiment on a stored version with a time split, recording that version', async () => {
    const { runId } = (await host.call('runs.start', {
      spec: {
        name: 'on-version',
        dataset: { version: baseId.slice(0, 12) },
        split: { kind: 'time', trainFraction: 0.6 },
        model: { kind: 'iforest', params: { nEstimators: 50, contamination: 0.05 } }
      }
    })) as { runId: number }
    const run = await host.runs.waitFor(runId)
    expect(run.status).toBe('done')
    expect(run.trainDatasetId).toBe(baseId)
    expect(run.testDatasetId).toBe(baseId)
    const c = run.confusion!
    expect(c.tn + c.fp + c.fn + c.tp).toBe(576 - Math.round(576 * 0.6))
    expect(((await host.call('datasets.get', { id: baseId })) as DatasetDetail).runIds).toContain(runId)
    await expect(
      host.call('runs.start', { spec: { name: 'missing', dataset: { version: 'deadbeefdeadbeef' }, split: { kind: 'time', trainFraction: 0.5 }, model: { kind: 'iforest' } } })
    ).rejects.toMatchObject({ code: 'bad_input', path: 'dataset.version' })
  })
})

describe('big versions, missing values and streamed imports', () => {
  /** 2,000,000 rows, labels alternating: a million ranges; two columns (over the inline histogram size). */
  let bigId: string
  beforeAll(() => {
    const rows = 2_000_000
    const labels = new Uint8Array(rows)
    for (let i = 0; i < rows; i += 2) labels[i] = 1
    const big: LabelledSeries = {
      name: 'big',
      intervalMs: 1000,
      timestamps: Float64Array.from({ length: rows }, (_, i) => i * 1000),
      columns: ['a', 'b'],
      values: [Float32Array.from({ length: rows }, (_, i) => Math.sin(i / 1000)), Float32Array.from({ length: rows }, (_, i) => (i % 97) / 97)],
      labels,
      anomalyTypeNames: [],
      anomalyType: new Uint8Array(rows)
    }
    bigId = saveDataset(host.workspace.db, big, { source: 'imported' }).id
  })

  it('pages a million labelled ranges: a page, the total and per-type counts', async () => {
    const page = (await host.call('datasets.ranges', { id: bigId, offset: 500_000, limit: 20 })) as RangePage
    expect(page.total).toBe(1_000_000)
    expect(page.ranges).toHaveLength(20)
    expect(page.indices[0]).toBe(500_000)
    expect(page.ranges[0]).toMatchObject({ start: 1_000_000, end: 1_000_001 })
    expect(page.types).toEqual([{ type: null, count: 1_000_000 }])
    await expect(host.call('datasets.ranges', { id: bigId, limit: 100_000 })).rejects.toMatchObject({ code: 'bad_input', path: 'limit' })
  })

  it('computes histograms of a big version in a data worker while the host answers other calls, then keeps them', async () => {
    const query = vi.spyOn(host.jobs, 'query')
    let answered = false
    const histograms = host.call('datasets.histograms', { id: bigId, bins: 20 }).then((h) => {
      answered = true
      return h
    })
    // The host's event loop is free: another call is answered while the worker computes.
    const list = (await host.call('datasets.list', {})) as DatasetSummary[]
    expect(list.some((d) => d.id === bigId)).toBe(true)
    expect(answered).toBe(false)
    const h = await histograms
    expect(h).toEqual(columnHistograms(loadDataset(host.workspace.db, bigId), 20))
    expect(await host.call('datasets.histograms', { id: bigId, bins: 20 })).toEqual(h)
    expect(query).toHaveBeenCalledTimes(1)
    query.mockRestore()
  })

  it('an import with 5 missing cells in 3,000 rows fills them, says so, records the rule, and trains on finite data', async () => {
    const lines = ['timestamp,x,y,label']
    for (let i = 0; i < 3000; i++) {
      const anomalous = i % 100 === 50
      const x = i === 7 || i === 8 || i === 1200 ? '' : i === 2500 ? 'NaN' : (anomalous ? 40 : Math.sin(i / 10)).toFixed(3)
      const y = i === 2999 ? 'NA' : (anomalous ? -30 : Math.cos(i / 7)).toFixed(3)
      lines.push(`${new Date(Date.UTC(2024, 0, 1) + i * 60_000).toISOString()},${x},${y},${anomalous ? 1 : 0}`)
    }
    const file = join(tmp.dir, 'gaps.csv')
    writeFileSync(file, lines.join('\n') + '\n')
    const { jobId } = (await host.call('datasets.import', { files: [file], options: {} })) as { jobId: string }
    const outcome = await host.jobs.waitFor(jobId)
    expect(outcome.error).toBeNull()
    const meta = outcome.dataset!
    expect(meta.params).toMatchObject({ missing: 'forward-fill', missingFilled: { x: 4, y: 1 } })
    expect(outcome.warnings).toContain('5 missing cells filled by forward-fill (x 4, y 1)')
    expect(jobEvents.filter((e) => e.jobId === jobId).at(-1)!.message).toBe('stored gaps; 5 missing cells filled by forward-fill (x 4, y 1)')
    const stored = loadDataset(host.workspace.db, meta.id)
    expect(stored.values.every((v) => v.every((x) => Number.isFinite(x)))).toBe(true)
    expect(stored.values[0][7]).toBe(stored.values[0][6])
    const { runId } = (await host.call('runs.start', {
      spec: { name: 'gaps', dataset: { version: meta.id }, split: { kind: 'time', trainFraction: 0.5 }, model: { kind: 'iforest', params: { nEstimators: 100, contamination: 0.01, seed: 1 } } }
    })) as { runId: number }
    const run = await host.runs.waitFor(runId)
    expect(run.status).toBe('done')
    expect((run.metrics as { recall: number }).recall).toBe(1)
  })

  it('a stored version holding NaN (from before imports filled them) fails its run, naming the column', async () => {
    const data = generateScenario('helios-detection', { days: 2, seed: 21 })
    for (const i of [3, 30, 300, 301, 302]) data.values[1][i] = NaN
    const id = saveDataset(host.workspace.db, data, { source: 'imported' }).id
    const { runId } = (await host.call('runs.start', {
      spec: { name: 'nan-version', dataset: { version: id }, split: { kind: 'time', trainFraction: 0.5 }, model: { kind: 'iforest', params: { nEstimators: 20 } } }
    })) as { runId: number }
    const run = await host.runs.waitFor(runId)
    expect(run.status).toBe('failed')
    expect(run.statusReason).toContain(`dataset version ${id.slice(0, 12)}: column '${data.columns[1]}' holds 5 non-finite values (NaN at row 3 first)`)
  })

  it('a data worker killed while it streams the arrays leaves no version and no staged arrays', async () => {
    const real = new NodeWorkerLauncher()
    let arrays = 0
    // Kills the worker as soon as the host has its second array: the import is half-sent.
    const killing: WorkerLauncher = {
      launch: (kind) => {
        const w = real.launch(kind)
        return {
          ...w,
          pid: w.pid,
          onMessage: (listener) =>
            w.onMessage((m) => {
              // SIGKILL lands a moment later: a message already in the pipe is not the host's to see.
              if (arrays === 2) return
              listener(m)
              if (m.type === 'array' && ++arrays === 2) w.kill()
            })
        }
      }
    }
    const jobs = new DatasetJobs(host.workspace.db, killing)
    const before = listDatasets(host.workspace.db).length
    const outcome = await jobs.waitFor(jobs.start({ kind: 'generate', scenario: 'helios-detection', params: { days: 3, seed: 77 } }))
    expect(arrays).toBe(2)
    expect(outcome.dataset).toBeNull()
    expect(outcome.error).toMatch(/data worker was killed by SIGKILL/)
    expect(listDatasets(host.workspace.db)).toHaveLength(before)
    expect(host.workspace.db.prepare('SELECT count(*) FROM temp.staged_arrays').pluck().get()).toBe(0)
    expect(host.workspace.db.prepare('SELECT count(*) FROM dataset_arrays WHERE dataset_id NOT IN (SELECT id FROM datasets)').pluck().get()).toBe(0)
  })
})

describe('column roles, folders and unlabelled data through the host', () => {
  let fixtureRoot: string
  let withExtra: string

  async function importVia(files: string[], options: Record<string, unknown>) {
    const { jobId } = (await host.call('datasets.import', { files, options })) as { jobId: string }
    return host.jobs.waitFor(jobId)
  }

  it('imports the 6-file fixture folder as one version: 6 segments by path, changepoint an extra label, roles recorded', async () => {
    fixtureRoot = writeSegmentedFixture(tmp.dir).root
    const outcome = await importVia([fixtureRoot], { extraLabelColumns: ['changepoint'] })
    expect(outcome.error).toBeNull()
    withExtra = outcome.dataset!.id
    const d = (await host.call('datasets.get', { id: withExtra })) as DatasetDetail
    expect(d).toMatchObject({ name: 'segmented', segmentCount: 6, targetNames: ['changepoint'], unlabelled: false, timeAxis: 'timestamps', rolesRecorded: true, labelLike: [] })
    expect(d.segments.map((g) => g.id)).toEqual([...SEGMENT_NAMES])
    expect(d.columns).not.toContain('changepoint')
    expect(d.roles.find((r) => r.name === 'changepoint')?.role).toBe('extra-label')
    expect(d.params.files).toEqual(SEGMENT_NAMES.map((s) => `${s}.csv`))
    expect(d.params.extraLabelColumns).toEqual(['changepoint'])
  })

  it('forced in as a feature, changepoint is named in the job’s warnings and on the version; the new data gets a distinct name', async () => {
    const outcome = await importVia([fixtureRoot], {})
    expect(outcome.error).toBeNull()
    const warning = outcome.warnings.find((w) => w.includes("column 'changepoint' looks like a label"))
    expect(warning).toContain('--extra-label-column changepoint')
    const last = jobEvents.filter((e) => e.datasetId === outcome.dataset!.id).at(-1)!
    expect(last.warnings).toContain(warning)
    expect(last.message).toContain("'changepoint' looks like a label")
    const d = (await host.call('datasets.get', { id: outcome.dataset!.id })) as DatasetDetail
    expect(d.name).toBe('segmented (2)')
    expect(d.labelLike.map((l) => l.column)).toEqual(['changepoint'])
    // The same data again is the same version, under its first name — and the job says so.
    const again = await importVia([fixtureRoot], { extraLabelColumns: ['changepoint'] })
    expect(again.dataset!.id).toBe(withExtra)
    expect(again.dataset!.name).toBe('segmented')
    expect(again.warnings).toContainEqual(expect.stringMatching(new RegExp(`already stored as version ${withExtra.slice(0, 12)} 'segmented'.*no new version was made`)))
  })

  it('role changes make a child version with lineage; the parent is untouched', async () => {
    const forced = ((await host.call('datasets.list', {})) as DatasetSummary[]).find((d) => d.name === 'segmented (2)')!
    // Making changepoint an extra label gives exactly the version imported that way.
    const same = (await host.call('datasets.saveRoles', { id: forced.id, roles: { changepoint: 'extra-label' } })) as { id: string; created: boolean }
    expect(same).toEqual({ id: withExtra, created: false })
    const r = (await host.call('datasets.saveRoles', { id: withExtra, roles: { anomaly: 'extra-label', current: 'ignored' } })) as { id: string; created: boolean }
    expect(r.created).toBe(true)
    expect(changed).toContain(r.id)
    const child = (await host.call('datasets.get', { id: r.id })) as DatasetDetail
    expect(child).toMatchObject({ parentId: withExtra, source: 'edited', name: 'segmented', unlabelled: true, labelCount: 0 })
    expect(child.lineage.map((l) => l.id)).toEqual([withExtra])
    expect(child.columns).not.toContain('current')
    expect(child.targetNames.sort()).toEqual(['anomaly', 'changepoint'])
    expect(child.roles.find((x) => x.name === 'current')?.role).toBe('ignored')
    expect(child.note).toBe('roles: current feature → ignored; anomaly label → extra-label; now unlabelled')
    const parent = (await host.call('datasets.get', { id: withExtra })) as DatasetDetail
    expect(parent).toMatchObject({ unlabelled: false, labelCount: 120 })
    expect(parent.children.map((c) => c.id)).toContain(r.id)
    await expect(host.call('datasets.saveRoles', { id: withExtra, roles: { datetime: 'feature' } })).rejects.toMatchObject({ code: 'bad_input', path: 'roles' })
    await expect(host.call('datasets.saveRoles', { id: withExtra, roles: { current: 'sideways' } })).rejects.toMatchObject({ code: 'bad_input' })
  })

  it('an import without label or timestamp columns is stored unlabelled with the declared interval; labels drawn on it make a labelled child', async () => {
    const file = join(tmp.dir, 'server-metrics.csv')
    writeFileSync(file, 'cpu,mem,disk\n' + Array.from({ length: 50 }, (_, i) => `${i % 7},${(i * 3) % 11},${i}`).join('\n') + '\n')
    const outcome = await importVia([file], { intervalMs: 300_000 })
    expect(outcome.error).toBeNull()
    expect(outcome.warnings.join('\n')).toMatch(/stored as unlabelled/)
    const d = ((await host.call('datasets.list', {})) as DatasetSummary[]).find((x) => x.id === outcome.dataset!.id)!
    expect(d).toMatchObject({ unlabelled: true, timeAxis: 'interval', intervalMs: 300_000, labelCount: 0, name: 'server-metrics' })
    // Labels drawn on it in the editor make a labelled child, its roles saying where the label came from.
    const r = (await host.call('datasets.saveLabels', { id: d.id, edits: [{ start: 10, end: 15, label: 1, type: 'spike' }] })) as { id: string }
    const child = (await host.call('datasets.get', { id: r.id })) as DatasetDetail
    expect(child).toMatchObject({ unlabelled: false, labelCount: 5, parentId: d.id, timeAxis: 'interval' })
    expect(child.roles.filter((x) => x.role === 'label')).toEqual([{ name: 'label', role: 'label' }])
    expect(child.note).toMatch(/first labels of unlabelled data/)
  })

  it('a file dropped in the watched folder keeps its import warnings beside it', async () => {
    const importDir = host.importWatcher!.dir
    const rows = Array.from({ length: 40 }, (_, i) => {
      const y = i >= 20 && i < 28 ? 1 : 0
      return `${1_704_067_200 + 60 * i},${(i * 7) % 13},${y},${y}`
    })
    writeFileSync(join(importDir, 'leak.csv'), ['ts,x,flag,label', ...rows].join('\n') + '\n')
    const note = join(importDir, 'imported', 'leak.csv.warnings.txt')
    await until(() => existsSync(note), 30_000, 'the dropped file to be imported with its warnings')
    expect(readFileSync(note, 'utf8')).toMatch(/column 'flag' looks like a label .*--extra-label-column flag/)
  })

  it('previews a folder through the contract: files, segments, roles; paths outside the allowed folders are refused', async () => {
    const p = (await host.call('datasets.preview', { files: [fixtureRoot], options: { ignoreColumns: ['changepoint'] } })) as ImportPreview
    expect(p.fileCount).toBe(6)
    expect(p.files.map((f) => f.segment)).toEqual([...SEGMENT_NAMES])
    expect(p.columns.find((c) => c.name === 'changepoint')?.role).toBe('ignored')
    expect(p.labelLike).toEqual([])
    await expect(host.call('datasets.preview', { files: ['/etc'], options: {} })).rejects.toMatchObject({ code: 'forbidden' })
    await expect(host.call('datasets.preview', { files: [join(tmp.dir, 'no-such-folder')], options: {} })).rejects.toMatchObject({ code: 'bad_input', path: 'files' })
  })
})

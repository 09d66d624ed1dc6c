/**
 * Dataset versions through the host: generation and import in real data-worker processes, the
 * editor's views, label edits as child versions with lineage, export, the watched import
 * folder, and runs on stored versions with splits.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { copyFileSync, existsSync, readdirSync, readFileSync, writeFileSync, openSync, writeSync, closeSync } from 'node:fs'
import { join } from 'node:path'
import { WorkbenchHost } from '../../src-main/host/workbench-host'
import { NodeWorkerLauncher } from '../../src-main/host/node-worker-launcher'
import { tempDir, until, EXPERIMENTS } from '../helpers/workspace'
import type { DatasetDetail, DatasetSummary, JobProgress, SeriesWindow } from '../../src-main/contract/api'

let tmp: ReturnType<typeof tempDir>
let host: WorkbenchHost
const jobEvents: JobProgress[] = []
const changed: string[] = []

beforeAll(() => {
  tmp = tempDir('wb-datasets-')
  host = new WorkbenchHost({ workspaceDir: join(tmp.dir, 'ws'), launcher: new NodeWorkerLauncher(), frontDoor: 'web', experimentsDir: EXPERIMENTS, watchExperiments: true })
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
    const ranges = (await host.call('datasets.ranges', { id: baseId })) as { start: number; end: number }[]
    expect(ranges.reduce((a, r) => a + r.end - r.start, 0)).toBe(d.labelCount)
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

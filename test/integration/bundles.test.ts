/**
 * Bundles end to end through the host: export (ONNX + parity check in an inference worker),
 * verify, refusal of tampered / truncated / path-escaping bundles, scoring a CSV, and two
 * workspaces exchanging a bundle through a watched shared folder (import, evaluate on a local
 * dataset version). Deep-model exports use a tiny trained LSTM classifier. Broken copies go under
 * the shared folder, which both workspaces may read (paths elsewhere are refused by the host).
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { cpSync, readFileSync, writeFileSync, truncateSync, existsSync, renameSync, symlinkSync } from 'node:fs'
import { join } from 'node:path'
import { spawnSync } from 'node:child_process'
import { WorkbenchHost } from '../../src-main/host/workbench-host'
import { NodeWorkerLauncher } from '../../src-main/host/node-worker-launcher'
import { tempDir, until, EXPERIMENTS, REPO } from '../helpers/workspace'
import type { BundleInfo } from '../../src-main/contract/api'
import { sha256 } from '../../src-main/core/export/bundle'

let tmp: ReturnType<typeof tempDir>
let a: WorkbenchHost
let b: WorkbenchHost
let shared: string
const bEvents: string[] = []

function host(name: string): WorkbenchHost {
  return new WorkbenchHost({
    workspaceDir: join(tmp.dir, name),
    launcher: new NodeWorkerLauncher(),
    frontDoor: 'web',
    experimentsDir: EXPERIMENTS,
    watchBundles: true,
    sharedDir: shared,
    bundlesDir: join(tmp.dir, `${name}-library`)
  })
}

beforeAll(async () => {
  tmp = tempDir('wb-bundles-')
  shared = join(tmp.dir, 'shared')
  a = host('a')
  b = host('b')
  b.onEvent((name) => {
    if (name === 'bundles.changed') bEvents.push(name)
  })
  await new Promise((r) => setTimeout(r, 300)) // watchers ready
})
afterAll(async () => {
  await a.close()
  await b.close()
  tmp.remove()
})

/** A copy of a bundle under the shared folder (both hosts may read it), for breaking. */
function copyOf(src: string, name: string): string {
  const d = join(shared, 'refused', name)
  cpSync(src, d, { recursive: true })
  return d
}

/** Rewrites one file of a bundle and re-signs it in the manifest, so only the file's schema can refuse it. */
function resign(bundle: string, file: string, data: string | Uint8Array): void {
  writeFileSync(join(bundle, file), data)
  const m = JSON.parse(readFileSync(join(bundle, 'manifest.json'), 'utf8'))
  m.files[file] = { sha256: sha256(data), bytes: typeof data === 'string' ? Buffer.byteLength(data) : data.byteLength }
  writeFileSync(join(bundle, 'manifest.json'), JSON.stringify(m))
}

describe('bundles', () => {
  let iforestDir: string

  it('exports an Isolation Forest run to the shared folder, parity-checked', async () => {
    const { runId } = (await a.call('runs.start', { file: 'helios-detection-iforest.json' })) as { runId: number }
    expect((await a.runs.waitFor(runId)).status).toBe('done')
    const r = (await a.call('bundles.export', { runId, to: 'shared' })) as { dir: string; parity: Record<string, number>; location: string }
    iforestDir = r.dir
    expect(r.location).toBe('shared')
    expect(r.parity.score).toBeLessThan(1e-4)
    const manifest = JSON.parse(readFileSync(join(r.dir, 'manifest.json'), 'utf8'))
    expect(manifest).toMatchObject({ format: 'workbench-bundle/1', runId })
    expect(readFileSync(join(r.dir, 'README.md'), 'utf8')).toMatch(/onnxruntime/)
    expect(await a.call('bundles.verify', { dir: r.dir })).toMatchObject({ ok: true, problem: null })
  })

  it('exports into a folder named by its path, with progress as bundle.export events; a folder outside the allowed ones is forbidden', async () => {
    const progress: { runId: number; fraction: number }[] = []
    const off = a.onEvent((name, payload) => {
      if (name === 'bundle.export') progress.push(payload as { runId: number; fraction: number })
    })
    // Inside A's workspace (allowed), away from the folders the other tests list.
    const target = join(tmp.dir, 'a', 'exports')
    const r = (await a.call('bundles.export', { runId: 1, to: target })) as { dir: string; location: string }
    off()
    expect(r.dir).toContain(join('exports', 'helios-detection-iforest-'))
    expect(existsSync(join(r.dir, 'manifest.json'))).toBe(true)
    expect(progress.length).toBeGreaterThan(1)
    expect(progress.every((p) => p.runId === 1)).toBe(true)
    expect(progress.map((p) => p.fraction)).toEqual([...progress.map((p) => p.fraction)].sort((x, y) => x - y))
    await expect(a.call('bundles.export', { runId: 1, to: join(tmp.dir, 'not-allowed') })).rejects.toMatchObject({ code: 'forbidden', path: 'to' })
  })

  it('a colleague watching the shared folder sees it, imports it and evaluates it on a local dataset', async () => {
    await until(() => bEvents.length > 0, 10_000, 'workspace B to notice the shared bundle')
    const list = (await b.call('bundles.list', {})) as BundleInfo[]
    const seen = list.find((x) => x.location === 'shared' && x.dir === iforestDir)!
    expect(seen).toMatchObject({ ok: true, kind: 'iforest', imported: false })
    const imported = (await b.call('bundles.import', { dir: iforestDir })) as { dir: string }
    expect(existsSync(join(imported.dir, 'model.onnx'))).toBe(true)
    const { jobId } = (await b.call('datasets.generate', { scenario: 'helios-detection', params: { days: 3, seed: 2 } })) as { jobId: string }
    const ds = (await b.jobs.waitFor(jobId)).dataset!
    const ev = (await b.call('bundles.evaluate', { dir: imported.dir, datasetId: ds.id })) as { metrics: Record<string, number>; windows: number }
    expect(ev.windows).toBe(864)
    // The same model on the same data as A's run: the same metrics.
    const aRun = a.detail(1)
    expect(ev.metrics.precision).toBeCloseTo(aRun.metrics!.precision, 6)
    expect(ev.metrics.recall).toBeCloseTo(aRun.metrics!.recall, 6)
    const after = (await b.call('bundles.list', {})) as BundleInfo[]
    expect(after.find((x) => x.location === 'local')!.evaluations).toHaveLength(1)
    expect(after.find((x) => x.location === 'shared')!.imported).toBe(true)
  })

  it('refuses tampered, truncated and path-escaping bundles with the reason', async () => {
    const bad = (name: string) => copyOf(iforestDir, name)
    const tampered = bad('tampered')
    // Same size, one digit of the threshold changed: only the checksum can tell.
    const cfg = readFileSync(join(tampered, 'model_config.json'), 'utf8')
    const at = cfg.indexOf('"threshold": ') + '"threshold": '.length + 2
    writeFileSync(join(tampered, 'model_config.json'), cfg.slice(0, at) + (cfg[at] === '9' ? '8' : '9') + cfg.slice(at + 1))
    expect(await a.call('bundles.verify', { dir: tampered })).toMatchObject({ ok: false, problem: expect.stringMatching(/model_config\.json does not match its sha256/) })
    const truncated = bad('truncated')
    truncateSync(join(truncated, 'model.onnx'), 100)
    expect(await a.call('bundles.verify', { dir: truncated })).toMatchObject({ ok: false, problem: expect.stringMatching(/model\.onnx is 100 bytes/) })
    const escaping = bad('escaping')
    const m = JSON.parse(readFileSync(join(escaping, 'manifest.json'), 'utf8'))
    m.files['../secret.txt'] = { sha256: '0', bytes: 1 }
    writeFileSync(join(escaping, 'manifest.json'), JSON.stringify(m))
    expect(await a.call('bundles.verify', { dir: escaping })).toMatchObject({ ok: false, problem: expect.stringMatching(/outside the bundle folder/) })
    await expect(b.call('bundles.import', { dir: tampered })).rejects.toMatchObject({ code: 'bad_input' })
    // The CLI says the same with exit code 1.
    const cli = spawnSync(process.execPath, [join(REPO, 'bin/workbench.cjs'), 'verify', truncated, '--workspace', join(tmp.dir, 'a')], { encoding: 'utf8' })
    expect(cli.status).toBe(1)
    expect(cli.stderr).toMatch(/refused: .*model\.onnx is 100 bytes/)
  })

  it('scores a CSV with the bundle in the inference worker (CLI)', async () => {
    const csv = join(tmp.dir, 'a', 'test.csv')
    const testId = a.detail(1).datasets.find((d) => d.role === 'test')!.id
    await a.call('datasets.export', { id: testId, path: csv })
    const r = spawnSync(process.execPath, [join(REPO, 'bin/workbench.cjs'), 'score', iforestDir, csv, '--json', '--workspace', join(tmp.dir, 'a')], { encoding: 'utf8' })
    expect(r.status, r.stderr).toBe(0)
    const out = JSON.parse(r.stdout)
    expect(out.total).toBe(864)
    const c = a.detail(1).confusion!
    expect(out.flagged).toBe(c.tp + c.fp)
    expect(out.windows[0]).toMatchObject({ index: 0, score: expect.any(Number), flag: expect.any(Boolean) })
  })

  it('refuses a bundle whose threshold is not a number on verify, import and score, naming the file and field', async () => {
    const dir = copyOf(iforestDir, 'threshold-text')
    const cfg = JSON.parse(readFileSync(join(dir, 'model_config.json'), 'utf8'))
    resign(dir, 'model_config.json', JSON.stringify({ ...cfg, threshold: 'high' }))
    expect(await a.call('bundles.verify', { dir })).toMatchObject({ ok: false, problem: `${dir}: model_config.json: threshold: Invalid input: expected number, received string` })
    await expect(b.call('bundles.import', { dir })).rejects.toMatchObject({ code: 'bad_input', message: expect.stringMatching(/model_config\.json: threshold: /) })
    const csv = join(tmp.dir, 'a', 'test.csv')
    const r = spawnSync(process.execPath, [join(REPO, 'bin/workbench.cjs'), 'score', dir, csv, '--workspace', join(tmp.dir, 'a')], { encoding: 'utf8' })
    expect(r.status).toBe(2)
    expect(r.stderr).toContain(`${dir}: model_config.json: threshold: `)
  })

  it('refuses a bundle whose manifest.json is a symbolic link', async () => {
    const dir = copyOf(iforestDir, 'manifest-link')
    renameSync(join(dir, 'manifest.json'), join(shared, 'refused', 'manifest-elsewhere.json'))
    symlinkSync(join(shared, 'refused', 'manifest-elsewhere.json'), join(dir, 'manifest.json'))
    expect(await a.call('bundles.verify', { dir })).toMatchObject({ ok: false, problem: expect.stringMatching(/manifest\.json is a symbolic link: refused/) })
    await expect(b.call('bundles.import', { dir })).rejects.toMatchObject({ code: 'bad_input' })
  })

  it('names the bundle folder and model.onnx when ONNX Runtime cannot load the model', async () => {
    const dir = copyOf(iforestDir, 'onnx-garbage')
    resign(dir, 'model.onnx', new Uint8Array([8, 7, 0, 1, 2, 3, 255, 254]))
    const r = (await a.call('bundles.verify', { dir })) as { ok: boolean; problem: string }
    expect(r.ok).toBe(false)
    expect(r.problem.startsWith(`${dir}: model.onnx cannot be loaded by ONNX Runtime: `)).toBe(true)
  })

  it('exports a trained LSTM classifier with parity, and its golden inputs rerun in ONNX Runtime', async () => {
    const { runId } = (await a.call('runs.start', {
      spec: {
        name: 'bundle-lstm',
        dataset: { generator: 'helios-events', params: { scale: 0.01, seed: 3 } },
        split: { kind: 'time', trainFraction: 0.7, validationFraction: 0.15 },
        model: { kind: 'lstm-classifier', params: { window: 20, trainStride: 8, units: [8], denseUnits: 4, epochs: 1, batchSize: 64, seed: 1 } }
      }
    })) as { runId: number }
    expect((await a.runs.waitFor(runId)).status).toBe('done')
    const r = (await a.call('bundles.export', { runId, to: 'local' })) as { dir: string; parity: Record<string, number> }
    expect(r.parity.score).toBeLessThan(1e-4)
    const pre = JSON.parse(readFileSync(join(r.dir, 'preprocessing.json'), 'utf8'))
    expect(pre.window.length).toBe(20)
    expect(pre.input.shape).toEqual(['batch', 20, 8])
    expect(await a.call('bundles.verify', { dir: r.dir })).toMatchObject({ ok: true })
  })
})

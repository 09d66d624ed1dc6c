/** The `workbench` command as a user runs it: real processes, real exit codes, stdout vs stderr. */
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { spawnSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { REPO, runWorkbench, tempDir, tinyLstmSpec } from '../helpers/workspace'

let tmp: ReturnType<typeof tempDir>
beforeAll(() => {
  tmp = tempDir('wb-cli-')
})
afterAll(() => tmp.remove())

const workbench = (...args: string[]) => runWorkbench(join(tmp.dir, 'ws'), args)

describe('workbench CLI', () => {
  it('run --json prints exactly one JSON document with the run id, metrics and targets', () => {
    const r = workbench('run', 'experiments/helios-detection-iforest.json', '--json')
    expect(r.code).toBe(0)
    const out = JSON.parse(r.stdout)
    expect(out).toMatchObject({ runId: 1, experiment: 'helios-detection-iforest', status: 'done' })
    expect(out.metrics).toMatchObject({ precision: expect.any(Number), recall: expect.any(Number), fpr: expect.any(Number), rocAuc: expect.any(Number) })
    expect(out.targets).toHaveLength(3)
    expect(out.targets[0]).toMatchObject({ text: 'precision >= 0.953', met: expect.any(Boolean) })
    expect(r.stderr).toMatch(/100%/)
  })

  it('runs list and runs show read the history back', () => {
    const list = workbench('runs', 'list', '--json')
    expect(list.code).toBe(0)
    const runs = JSON.parse(list.stdout)
    expect(runs).toHaveLength(1)
    expect(runs[0]).toMatchObject({ id: 1, experiment: 'helios-detection-iforest', status: 'done', params: { nEstimators: 100 } })
    const show = workbench('runs', 'show', '1')
    expect(show.code).toBe(0)
    expect(show.stdout).toMatch(/confusion \(test/)
    expect(show.stdout).toMatch(/precision >= 0\.953/)
    const human = workbench('runs', 'list')
    expect(human.stdout).toMatch(/helios-detection-iforest\s+iforest\s+done/)
  })

  it('run --json reports the run this command made: a spec re-run with one param changed gets its new run, not the older one', () => {
    const file = join(tmp.dir, 'one-param.json')
    const spec = (contamination: number | 'auto') => ({
      name: 'one-param',
      dataset: { generator: 'helios-detection', params: { days: 2, seed: 4 } },
      split: { kind: 'time', trainFraction: 0.6 },
      model: { kind: 'iforest', params: { nEstimators: 30, contamination, seed: 1 } }
    })
    writeFileSync(file, JSON.stringify(spec('auto')))
    const first = JSON.parse(workbench('run', file, '--json').stdout)
    writeFileSync(file, JSON.stringify(spec(0.05)))
    const r = workbench('run', file, '--json')
    expect(r.code, r.stderr).toBe(0)
    const second = JSON.parse(r.stdout)
    expect(second.runId).not.toBe(first.runId)
    expect(second.params.contamination).toBe(0.05)
    expect(first.params.contamination).toBe('auto')
    expect(second.experiment).toBe('one-param')
  })

  it('bad usage and bad input exit 2 with a message naming the problem', () => {
    const bad = join(tmp.dir, 'bad.json')
    writeFileSync(bad, JSON.stringify({ name: 'bad', dataset: { generator: 'helios-detection', params: { days: 'seven' } }, split: { kind: 'time', trainFraction: 0.5 }, model: { kind: 'iforest' } }))
    const r = workbench('run', bad)
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/bad\.json: dataset\.params\.days/)
    expect(workbench('run', join(tmp.dir, 'missing.json')).code).toBe(2)
    expect(workbench('runs', 'show', '99').stderr).toMatch(/run 99 not found/)
    expect(workbench('runs', 'show', '99').code).toBe(2)
    expect(workbench('frobnicate').code).toBe(2)
    expect(workbench('run', '--bogus-flag').code).toBe(2)
  })

  it('`npx workbench --help` prints the help on stdout and nothing on stderr (no npm or Node notices)', () => {
    // As a user types it in the checkout: through npm's own npx, on whatever Node the machine has.
    const r = spawnSync('npx', ['--no-install', 'workbench', '--help'], { cwd: REPO, encoding: 'utf8', timeout: 60_000 })
    expect(r.status, r.stderr).toBe(0)
    expect(r.stdout).toMatch(/^workbench \d+\.\d+\.\d+: /)
    expect(r.stdout).toContain('workbench run <spec.json>')
    expect(r.stderr).toBe('')
  })

  it("a deep run and its export say only their progress on stderr: no tfjs banner, no tfjs note on a 128-unit LSTM's initializer", () => {
    const spec = join(tmp.dir, 'tiny-lstm.json')
    // 128 units: tfjs warns on the Orthogonal initializer of any recurrent kernel over 2,000 values.
    writeFileSync(spec, JSON.stringify(tinyLstmSpec('cli-tiny-lstm', { epochs: 1, units: [128] })))
    const run = workbench('run', spec, '--json')
    expect(run.code, run.stderr).toBe(0)
    const runId = String(JSON.parse(run.stdout).runId)
    const exp = workbench('export', runId, '--to', join(tmp.dir, 'bundles'), '--json')
    expect(exp.code, exp.stderr).toBe(0)
    expect(JSON.parse(exp.stdout).dir).toContain(join(tmp.dir, 'bundles'))
    for (const r of [run, exp]) {
      expect(r.stderr).not.toContain('TensorFlow.js')
      expect(r.stderr).not.toContain('Orthogonal initializer')
      // Every stderr line is a progress line of this command (the bar), nothing else.
      for (const line of r.stderr.split(/[\r\n]+/).filter((l) => l.trim() !== '')) expect(line).toMatch(/\[[█░]+\] +\d+%/)
    }
  }, 180_000)

  it('doctor --json reports the backend ladder, ONNX Runtime and the Electron binary', () => {
    const r = workbench('doctor', '--json')
    expect(r.code).toBe(0)
    const d = JSON.parse(r.stdout)
    expect(Number(d.node.version.split('.')[0])).toBeGreaterThanOrEqual(22)
    expect(d.tfjs.candidates.map((c: { name: string }) => c.name)).toEqual(['tensorflow-gpu', 'tensorflow', 'webgpu', 'wasm', 'cpu'])
    expect(d.tfjs.candidates.find((c: { name: string }) => c.name === d.tfjs.backend).available).toBe(true)
    for (const c of d.tfjs.candidates) expect(c.reason.length).toBeGreaterThan(10)
    expect(d.onnxRuntime.version).toMatch(/^\d+\.\d+/)
    expect(typeof d.electron.binaryPresent).toBe('boolean')
  })

  it('datasets generate / list / show / export / import, with bad input exiting 2', () => {
    const gen = workbench('datasets', 'generate', 'dwcp-network', '--seed', '5', '--param', 'days=2', '--json')
    expect(gen.code).toBe(0)
    const d = JSON.parse(gen.stdout)
    expect(d).toMatchObject({ hash: d.id, rows: 2880, generator: 'dwcp-network', params: { days: 2, seed: 5 } })
    expect(d.features).toEqual(['bandwidth', 'latency', 'packet_loss', 'jitter', 'cpu_usage', 'memory_usage', 'error_rate'])
    expect(d.anomalyRate).toBeGreaterThan(0)
    expect(Object.keys(d.typeCounts).length).toBeGreaterThan(2)
    expect(gen.stderr).toMatch(/100%/)

    const list = JSON.parse(workbench('datasets', 'list', '--json').stdout)
    expect(list.map((x: { id: string }) => x.id)).toContain(d.id)
    const show = workbench('datasets', 'show', d.id.slice(0, 8))
    expect(show.code).toBe(0)
    expect(show.stdout).toMatch(/packet_loss/)

    const csv = join(tmp.dir, 'dwcp.csv')
    const exp = workbench('datasets', 'export', d.id.slice(0, 8), '--to', csv, '--json')
    expect(JSON.parse(exp.stdout)).toMatchObject({ rows: 2880 })
    const imp = workbench('datasets', 'import', csv, '--json')
    expect(imp.code).toBe(0)
    expect(JSON.parse(imp.stdout)).toMatchObject({ source: 'imported', rows: 2880, labelCount: d.labelCount })

    const ragged = join(tmp.dir, 'ragged.csv')
    writeFileSync(ragged, 'timestamp,a,b\n2024-01-01T00:00:00Z,1,2\n2024-01-01T00:01:00Z,1\n')
    const bad = workbench('datasets', 'import', ragged)
    expect(bad.code).toBe(2)
    expect(bad.stderr).toMatch(/ragged\.csv:3/)
    expect(workbench('datasets', 'generate', 'nope').code).toBe(2)
    expect(workbench('datasets', 'show', 'ffffffff').code).toBe(2)
    expect(workbench('datasets', 'generate', 'dwcp-network', '--seed', 'x').code).toBe(2)
  })
})

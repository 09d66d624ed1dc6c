/**
 * The search builder's contract methods on a real workspace (real SQLite file, real worker
 * processes, a real experiments folder): a draft checked field by field with its trial count and
 * an estimate from past runs of its kind; a spec saved as JSON or YAML reads back equal to what
 * was given (nothing added), is listed and queued like a hand-written file, is never written over
 * unless confirmed, and no file name can lead out of the experiments folder.
 */
import { describe, it, expect, afterEach } from 'vitest'
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import YAML from 'yaml'
import { makeHost, runToDone, runWorkbench, smallForestGrid, smallForestSpec, tempDir } from '../helpers/workspace'
import type { ExperimentFile, QueueResult, SpecCheck, SpecFormSchema } from '../../src-main/contract/api'
import type { WorkbenchHost } from '../../src-main/host/workbench-host'
import { toErrorShape } from '../../src-main/host/dispatch'

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

function setup(): { host: WorkbenchHost; dir: string; root: string } {
  const tmp = tempDir('wb-spec-builder-')
  cleanups.push(tmp.remove)
  const dir = join(tmp.dir, 'experiments')
  mkdirSync(dir)
  const host = makeHost(join(tmp.dir, 'ws'), { concurrency: 2, experimentsDir: dir })
  cleanups.push(() => host.close())
  return { host, dir, root: tmp.dir }
}

const grid12 = (name: string) => smallForestGrid(name, { nEstimators: [20, 40, 60], contamination: [0.03, 0.04, 0.05, 0.06] })

describe('experiments.schema and experiments.check', () => {
  it('the schema lists model params with meanings; a draft is counted, estimated from past runs of its kind, and its issues are named by path', async () => {
    const { host } = setup()
    const schema = (await host.call('experiments.schema', {})) as SpecFormSchema
    expect(schema.models.find((m) => m.kind === 'iforest')!.params.find((p) => p.name === 'nEstimators')).toMatchObject({ default: 100, meaning: expect.stringMatching(/trees/i) })

    const fresh = (await host.call('experiments.check', { spec: grid12('draft') })) as SpecCheck
    expect(fresh).toMatchObject({ issues: [], trials: 12, estimate: { modelKind: 'iforest', pastRuns: 0, meanTrialMs: null, totalMs: null } })

    await runToDone(host, smallForestSpec('past'))
    const known = (await host.call('experiments.check', { spec: { ...grid12('draft'), concurrency: 1 } })) as SpecCheck
    expect(known.estimate).toMatchObject({ pastRuns: 1, parallel: 1 })
    expect(known.estimate!.meanTrialMs).toBeGreaterThan(0)
    expect(known.estimate!.totalMs).toBeCloseTo(known.estimate!.meanTrialMs! * 12)

    const broken = (await host.call('experiments.check', {
      spec: { ...grid12('draft'), model: { kind: 'iforest', params: { nEstimators: 'abc' } }, search: { kind: 'grid', space: { maxSamples: [256, -1] } }, targets: ['precision >> 1'] }
    })) as SpecCheck
    expect(broken.trials).toBeNull()
    expect(broken.issues.map((i) => i.path).sort()).toEqual(['model.params.nEstimators', 'search.space.maxSamples.1', 'targets.0'])

    const missing = (await host.call('experiments.check', { spec: { ...smallForestSpec('v'), dataset: { version: 'abcdef12' } } })) as SpecCheck
    expect(missing.issues).toEqual([{ path: 'dataset.version', message: "no dataset version 'abcdef12' in this workspace" }])
  }, 120_000)
})

describe('experiments.save and experiments.read', () => {
  it('writes JSON and YAML that parse back to exactly the spec given, listed and queued like a hand-written file', async () => {
    const { host, dir } = setup()
    const spec = grid12('built')
    expect(await host.call('experiments.save', { file: 'built', format: 'json', spec })).toMatchObject({ file: 'built.json', path: join(dir, 'built.json'), overwritten: false })
    const text = readFileSync(join(dir, 'built.json'), 'utf8')
    expect(JSON.parse(text)).toEqual(spec)
    expect(text).toBe(`${JSON.stringify(spec, null, 2)}\n`)

    await host.call('experiments.save', { file: 'built-copy.yaml', format: 'yaml', spec: { ...spec, name: 'built-copy' } })
    expect(YAML.parse(readFileSync(join(dir, 'built-copy.yaml'), 'utf8'))).toEqual({ ...spec, name: 'built-copy' })
    expect(await host.call('experiments.read', { file: 'built-copy.yaml' })).toEqual({ file: 'built-copy.yaml', format: 'yaml', spec: { ...spec, name: 'built-copy' } })

    const listed = (await host.call('experiments.list', {})) as ExperimentFile[]
    expect(listed.map((f) => [f.file, f.trials, f.error])).toEqual([
      ['built-copy.yaml', 12, null],
      ['built.json', 12, null]
    ])
    host.scheduler.shutdown()
    const queued = (await host.call('experiments.queue', { file: 'built.json' })) as QueueResult
    expect(queued).toMatchObject({ total: 12, added: 12 })
    // Nothing but the two files: the temporary siblings are gone.
    expect(readdirSync(dir).sort()).toEqual(['built-copy.yaml', 'built.json'])
  }, 120_000)

  it('refuses to write over an existing file unless confirmed, and an invalid spec at all', async () => {
    const { host, dir } = setup()
    await host.call('experiments.save', { file: 'mine.json', format: 'json', spec: grid12('mine') })
    const other = smallForestSpec('mine')
    await expect(host.call('experiments.save', { file: 'mine.json', format: 'json', spec: other })).rejects.toMatchObject({ code: 'conflict', path: 'file' })
    expect(JSON.parse(readFileSync(join(dir, 'mine.json'), 'utf8'))).toEqual(grid12('mine'))
    expect(await host.call('experiments.save', { file: 'mine.json', format: 'json', spec: other, overwrite: true })).toMatchObject({ overwritten: true })
    expect(JSON.parse(readFileSync(join(dir, 'mine.json'), 'utf8'))).toEqual(other)

    const bad = { ...other, model: { kind: 'iforest', params: { nEstimators: -3 } } }
    // As every front door reports it (the host throws the spec's own error; dispatch maps it).
    const refused = await host.call('experiments.save', { file: 'bad.json', format: 'json', spec: bad }).catch((e: unknown) => e)
    expect(toErrorShape(refused)).toMatchObject({ code: 'bad_input', path: 'model.params.nEstimators' })
    expect(readdirSync(dir)).toEqual(['mine.json'])
  })

  it('refuses file names that leave the experiments folder, hide, or contradict the format', async () => {
    const { host, dir, root } = setup()
    const spec = smallForestSpec('escape')
    for (const file of ['../escape.json', 'sub/escape.json', '/tmp/escape.json', '..', '.hidden.json', 'a\\b.json', '']) {
      await expect(host.call('experiments.save', { file, format: 'json', spec }), file).rejects.toMatchObject({ code: 'bad_input', path: 'file' })
    }
    await expect(host.call('experiments.save', { file: 'x.yaml', format: 'json', spec })).rejects.toMatchObject({ code: 'bad_input', path: 'file' })
    await expect(host.call('experiments.read', { file: '../ws/workbench.db' })).rejects.toMatchObject({ code: 'bad_input', path: 'file' })
    expect(readdirSync(dir)).toEqual([])
    expect(existsSync(join(root, 'escape.json'))).toBe(false)
  })
})

describe('workbench check', () => {
  it('prints a spec file’s problems by field path and exits 1, or its trial count and exits 0', () => {
    const tmp = tempDir('wb-spec-check-')
    cleanups.push(tmp.remove)
    const good = join(tmp.dir, 'good.yaml')
    const bad = join(tmp.dir, 'bad.json')
    writeFileSync(good, YAML.stringify(grid12('good')))
    writeFileSync(bad, JSON.stringify({ ...grid12('bad'), model: { kind: 'iforest', params: { nEstimators: 'abc' } } }))
    const ws = join(tmp.dir, 'ws')
    const ok = runWorkbench(ws, ['check', good])
    expect(ok.code, ok.stderr).toBe(0)
    expect(ok.stdout).toContain(`${good}: 12 trials`)
    expect(ok.stdout).toContain('no past runs of this kind (iforest)')
    const refused = runWorkbench(ws, ['check', bad, '--json'])
    expect(refused.code).toBe(1)
    expect(JSON.parse(refused.stdout)).toMatchObject({ trials: null, issues: [{ path: 'model.params.nEstimators' }] })
  }, 120_000)
})

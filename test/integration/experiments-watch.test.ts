/** The watched experiments folder: a new, changed or broken spec shows up without a restart. */
import { describe, it, expect, afterAll } from 'vitest'
import { writeFileSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { WorkbenchHost } from '../../src-main/host/workbench-host'
import { NodeWorkerLauncher } from '../../src-main/host/node-worker-launcher'
import { tempDir, until } from '../helpers/workspace'
import type { ExperimentFile } from '../../src-main/contract/api'

const tmp = tempDir('wb-expwatch-')
const dir = join(tmp.dir, 'experiments')
mkdirSync(dir)
const host = new WorkbenchHost({ workspaceDir: join(tmp.dir, 'ws'), launcher: new NodeWorkerLauncher(), frontDoor: 'web', experimentsDir: dir, watchExperiments: true })
let changes = 0
host.onEvent((name) => {
  if (name === 'experiments.changed') changes++
})
afterAll(async () => {
  await host.close()
  tmp.remove()
})

describe('experiments folder', () => {
  it('announces a new spec, a grid size, and a broken one with its error', async () => {
    await new Promise((r) => setTimeout(r, 300))
    writeFileSync(
      join(dir, 'new.yaml'),
      'name: new\ndataset:\n  generator: helios-detection\n  params: { days: 1 }\nsplit: { kind: time, trainFraction: 0.7 }\nmodel: { kind: iforest }\nsearch:\n  kind: grid\n  space: { contamination: [0.02, 0.04, 0.06] }\n'
    )
    await until(() => changes > 0, 10_000, 'experiments.changed')
    let list = (await host.call('experiments.list', {})) as ExperimentFile[]
    expect(list.find((e) => e.file === 'new.yaml')).toMatchObject({ name: 'new', trials: 3, error: null })
    const seen = changes
    writeFileSync(join(dir, 'broken.json'), '{ "name": "broken", "dataset": { "generator": "nope" }, "split": { "kind": "time", "trainFraction": 2 }, "model": { "kind": "iforest" } }')
    await until(() => changes > seen, 10_000, 'experiments.changed for the broken spec')
    list = (await host.call('experiments.list', {})) as ExperimentFile[]
    const broken = list.find((e) => e.file === 'broken.json')!
    expect(broken.error).toMatch(/broken\.json: .*dataset\.generator.*split\.trainFraction|broken\.json: .*split\.trainFraction/)
    await expect(host.call('experiments.queue', { file: 'broken.json' })).rejects.toMatchObject({ issues: expect.any(Array) })
  })
})

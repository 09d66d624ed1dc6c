/**
 * Where exported bundles land by default: the workspace's own `bundles/` folder, so a workspace
 * carries its models with it and an installed app never writes into its own source checkout.
 */
import { describe, it, expect, afterAll } from 'vitest'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { makeHost, tempDir, REPO } from '../helpers/workspace'

const tmp = tempDir('wb-library-')
const ws = join(tmp.dir, 'ws')
const host = makeHost(ws)
afterAll(async () => {
  await host.close()
  tmp.remove()
})

describe('the default bundle library', () => {
  it("is the workspace's bundles/ folder, where a local export lands", async () => {
    const settings = (await host.call('settings.get', {})) as { bundlesDir: string }
    expect(settings.bundlesDir).toBe(join(ws, 'bundles'))

    const { runId } = (await host.call('runs.start', {
      spec: {
        name: 'library-default',
        dataset: { generator: 'helios-detection', params: { days: 2, seed: 3 } },
        split: { kind: 'time', trainFraction: 0.6 },
        model: { kind: 'iforest', params: { nEstimators: 20, seed: 1 } }
      }
    })) as { runId: number }
    expect((await host.runs.waitFor(runId)).status).toBe('done')
    const exported = (await host.call('bundles.export', { runId, to: 'local' })) as { dir: string; location: string }
    expect(exported.location).toBe('local')
    expect(exported.dir.startsWith(join(ws, 'bundles') + '/')).toBe(true)
    expect(existsSync(join(exported.dir, 'manifest.json'))).toBe(true)
    expect(existsSync(join(REPO, 'models', exported.dir.split('/').pop()!))).toBe(false)
  })
})

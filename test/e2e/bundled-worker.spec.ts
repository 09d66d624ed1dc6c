/**
 * The bundled worker chunk that Electron forks as a utility process (out/main/chunks, built by
 * the global setup) runs unchanged under Node's child_process.fork: the same module, two hosts.
 * Where the Electron binary is absent this is as close to the desktop runtime as tests get.
 */
import { test, expect } from '@playwright/test'
import { readFileSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { WorkbenchHost } from '../../src-main/host/workbench-host'
import { NodeWorkerLauncher } from '../../src-main/host/node-worker-launcher'

const REPO = fileURLToPath(new URL('../..', import.meta.url))

test('the bundled data, training and inference workers generate, train and export the seed-002 experiment', async () => {
  const main = readFileSync(join(REPO, 'out/main/main.js'), 'utf8')
  const chunk = (kind: string) => {
    const name = new RegExp(`chunks/${kind}-worker-[\\w-]+\\.js`).exec(main)?.[0]
    expect(name, `out/main/main.js names its ${kind}-worker chunk`).toBeTruthy()
    return join(REPO, 'out/main', name!)
  }
  const workspace = mkdtempSync(join(tmpdir(), 'wb-bundled-'))
  const host = new WorkbenchHost({
    workspaceDir: workspace,
    launcher: new NodeWorkerLauncher({ bundledEntries: { training: chunk('training'), data: chunk('data'), inference: chunk('inference') } }),
    frontDoor: 'electron',
    experimentsDir: join(REPO, 'experiments'),
    bundlesDir: join(workspace, 'library')
  })
  try {
    const { runId } = (await host.call('runs.start', { file: 'helios-detection-iforest.json' })) as { runId: number }
    const run = await host.runs.waitFor(runId)
    expect(run.status, run.statusReason ?? '').toBe('done')
    const c = run.confusion!
    expect(c.tn + c.fp + c.fn + c.tp).toBe(864)
    const exported = (await host.call('bundles.export', { runId, to: 'local' })) as { dir: string; parity: Record<string, number> }
    expect(exported.parity.score).toBeLessThan(1e-4)
    expect(await host.call('bundles.verify', { dir: exported.dir })).toMatchObject({ ok: true })
  } finally {
    await host.close()
    rmSync(workspace, { recursive: true, force: true })
  }
})

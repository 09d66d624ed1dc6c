/**
 * The bundled worker entries that Electron forks as utility processes and the bundled CLI forks on
 * plain Node (out/main, built by the global setup) generate, train and export: the same modules,
 * two hosts. Where the Electron binary is absent this is as close to the desktop runtime as tests
 * get; here the host itself runs from the sources and only the workers come from the bundle.
 */
import { test, expect } from '@playwright/test'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { WorkbenchHost } from '../../src-main/host/workbench-host'
import { NodeWorkerLauncher } from '../../src-main/host/node-worker-launcher'
import { WORKER_KINDS, bundledWorkerEntry } from '../../src-main/host/worker-launcher'

const REPO = fileURLToPath(new URL('../..', import.meta.url))

test('the bundled data, training and inference workers generate, train and export the seed-002 experiment', async () => {
  for (const kind of WORKER_KINDS) expect(existsSync(bundledWorkerEntry(kind)), `${bundledWorkerEntry(kind)} is built`).toBe(true)
  const workspace = mkdtempSync(join(tmpdir(), 'wb-bundled-'))
  const host = new WorkbenchHost({
    workspaceDir: workspace,
    launcher: new NodeWorkerLauncher({ from: 'bundle' }),
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

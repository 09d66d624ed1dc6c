/** Temporary workspaces and hosts for integration tests: real SQLite files, real worker processes. */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { WorkbenchHost } from '../../src-main/host/workbench-host'
import { NodeWorkerLauncher } from '../../src-main/host/node-worker-launcher'

export const REPO = resolve(__dirname, '../..')
export const EXPERIMENTS = join(REPO, 'experiments')

export function tempDir(prefix = 'wb-test-'): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) }
}

export function makeHost(workspaceDir: string, opts: { concurrency?: number; experimentsDir?: string } = {}): WorkbenchHost {
  return new WorkbenchHost({
    workspaceDir,
    launcher: new NodeWorkerLauncher(),
    frontDoor: 'web',
    experimentsDir: opts.experimentsDir ?? EXPERIMENTS,
    concurrency: opts.concurrency ?? 2
  })
}

/** A spec that keeps a worker busy for several seconds (big data, many trees). */
export function slowSpec(name = 'slow'): unknown {
  return {
    name,
    dataset: { generator: 'helios-detection', params: { days: 240, seed: 5 } },
    split: { kind: 'time', trainFraction: 0.5 },
    model: { kind: 'iforest', params: { nEstimators: 1500, maxSamples: 512, seed: 1 } }
  }
}

export function until(predicate: () => boolean, timeoutMs = 60_000, what = 'condition'): Promise<void> {
  const start = Date.now()
  return new Promise((ok, fail) => {
    const tick = () => {
      if (predicate()) return ok()
      if (Date.now() - start > timeoutMs) return fail(new Error(`timed out waiting for ${what}`))
      setTimeout(tick, 25)
    }
    tick()
  })
}

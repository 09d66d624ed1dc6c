/** Temporary workspaces and hosts for integration tests: real SQLite files, real worker processes. */
import { afterEach, expect } from 'vitest'
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { WorkbenchHost } from '../../src-main/host/workbench-host'
import { NodeWorkerLauncher } from '../../src-main/host/node-worker-launcher'
import type { RunDetail } from '../../src-main/contract/api'
import type { WarmWorkerOptions } from '../../src-main/host/training-workers'

export const REPO = resolve(__dirname, '../..')
export const EXPERIMENTS = join(REPO, 'experiments')

export function tempDir(prefix = 'wb-test-'): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) }
}

export function makeHost(workspaceDir: string, opts: { concurrency?: number; experimentsDir?: string; warmWorkers?: WarmWorkerOptions } = {}): WorkbenchHost {
  return new WorkbenchHost({
    workspaceDir,
    launcher: new NodeWorkerLauncher(),
    frontDoor: 'web',
    experimentsDir: opts.experimentsDir ?? EXPERIMENTS,
    concurrency: opts.concurrency ?? 2,
    warmWorkers: opts.warmWorkers
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

export { tinyLstmSpec, smallForestSpec, smallForestGrid } from './specs'

/** Runs `spec` on the host to its end, expects it done (failing with its reason otherwise) and returns its detail. */
export async function runToDone(host: WorkbenchHost, spec: unknown): Promise<RunDetail> {
  const { runId } = (await host.call('runs.start', { spec })) as { runId: number }
  const run = await host.runs.waitFor(runId)
  expect(run.status, run.statusReason ?? '').toBe('done')
  return (await host.call('runs.get', { id: runId })) as RunDetail
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

type Cleanup = () => Promise<void> | void

/**
 * Per-test teardown for a test file: `defer(fn)` runs `fn` after the current test, last deferred
 * first; `newHost()` opens a host on a fresh temporary workspace that closes and goes away then.
 * Call it once at the top of the file (it registers the file's `afterEach`).
 */
export function hostsPerTest(): {
  defer(fn: Cleanup): void
  newHost(opts?: { prefix?: string; concurrency?: number; warmWorkers?: WarmWorkerOptions }): { host: WorkbenchHost; dir: string }
} {
  const cleanups: Cleanup[] = []
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c()
  })
  const defer = (fn: Cleanup) => void cleanups.push(fn)
  return {
    defer,
    newHost(opts = {}) {
      const tmp = tempDir(opts.prefix)
      const host = makeHost(tmp.dir, { concurrency: opts.concurrency, warmWorkers: opts.warmWorkers })
      defer(tmp.remove)
      defer(() => host.close())
      return { host, dir: tmp.dir }
    }
  }
}

/** How a `workbench` process ended, and what it printed. */
export interface WorkbenchExit {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

/** A running `workbench` process: `output()` is its stderr so far; `exited` resolves when it ends. The caller kills it at teardown. */
export function spawnWorkbench(args: string[], env: Record<string, string> = {}): { child: ChildProcess; output(): string; exited: Promise<WorkbenchExit> } {
  const child = spawn(process.execPath, [join(REPO, 'bin/workbench.cjs'), ...args], { cwd: REPO, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout!.on('data', (d) => (stdout += d))
  child.stderr!.on('data', (d) => (stderr += d))
  const exited = new Promise<WorkbenchExit>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr })))
  return { child, output: () => stderr, exited }
}

/** The `workbench` command as a user runs it on workspace `ws`: a real process, its exit code and both streams. */
export function runWorkbench(ws: string, args: string[], opts: { cwd?: string } = {}): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [join(REPO, 'bin/workbench.cjs'), ...args, '--workspace', ws], {
    cwd: opts.cwd ?? REPO,
    encoding: 'utf8',
    timeout: 120_000
  })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}

/**
 * A real `workbench serve` process on a fresh workspace, found through the URL it prints; one per
 * Playwright worker (the suite runs one worker, so spec files share it: a test counts what it
 * made, not what the workspace holds). `startServe` gives a test a server of its own.
 */
import { test as base, expect, type Page } from '@playwright/test'
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { callServedApi } from '../helpers/served-api'
import { tinyLstmSpec } from '../helpers/specs'

export const REPO = fileURLToPath(new URL('../..', import.meta.url))

export interface ServedWorkbench {
  url: string
  port: number
  workspace: string
}

export async function startServe(workspace: string, extraArgs: string[] = []): Promise<{ served: ServedWorkbench; proc: ChildProcess }> {
  const proc = spawn(process.execPath, [join(REPO, 'bin/workbench.cjs'), 'serve', '--port', '0', '--json', '--workspace', workspace, ...extraArgs], {
    cwd: REPO,
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let stderr = ''
  proc.stderr!.on('data', (c) => (stderr += c))
  const served = await new Promise<ServedWorkbench>((ok, fail) => {
    let out = ''
    proc.stdout!.on('data', (c) => {
      out += c
      const line = out.split('\n')[0]
      if (out.includes('\n')) {
        try {
          ok(JSON.parse(line))
        } catch (err) {
          fail(new Error(`serve printed ${line}: ${(err as Error).message}`))
        }
      }
    })
    proc.once('exit', (code) => fail(new Error(`serve exited with ${code}: ${stderr}`)))
    setTimeout(() => fail(new Error(`serve did not print its URL within 60 s: ${stderr}`)), 60_000)
  })
  return { served, proc }
}

/**
 * A small LSTM classifier over every training window (stride 1) of a small series: a few seconds
 * an epoch, six epochs — long enough to watch a run train live.
 */
export function liveLstmSpec(name: string): unknown {
  // Every training window (stride 1) of 5 % of helios-events: a few seconds an epoch even with the
  // fast LSTM kernels, so a page polling every 200 ms sees epochs go by one at a time.
  const spec = tinyLstmSpec(name, { trainStride: 1, epochs: 6, learningRate: 0.01, earlyStoppingPatience: null, seed: 1 })
  return { ...spec, dataset: { ...spec.dataset, params: { ...spec.dataset.params, scale: 0.05 } } }
}

/** A contract call through the served workbench's HTTP door, from the test's (Node) side. */
export function api<T>(wb: ServedWorkbench, method: string, input: unknown): Promise<T> {
  return callServedApi<T>(wb.url, method, input)
}

/**
 * Collects what goes wrong in the page for a test to assert that nothing did: uncaught errors,
 * and with `consoleErrors` also errors logged to the console (e.g. CSP violations).
 */
export function collectPageProblems(page: Page, { consoleErrors = false } = {}): string[] {
  const problems: string[] = []
  if (consoleErrors) {
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(m.text())
    })
  }
  page.on('pageerror', (e) => problems.push(e.message))
  return problems
}

export const test = base.extend<Record<never, never>, { workbench: ServedWorkbench }>({
  workbench: [
    // eslint-disable-next-line no-empty-pattern
    async ({}, use) => {
      const workspace = mkdtempSync(join(tmpdir(), 'wb-e2e-'))
      const { served, proc } = await startServe(workspace)
      await use(served)
      proc.kill('SIGTERM')
      await new Promise((r) => proc.once('exit', r))
      rmSync(workspace, { recursive: true, force: true })
    },
    { scope: 'worker' }
  ]
})

export { expect }

/**
 * Settings → Remote runners through the states of a connection, in the browser: connected (the
 * Queue view listing a real agent), Redis gone (down, with what went wrong), and a workbench
 * opened while the Redis it remembers is down (reconnecting…, the last error, connected by itself
 * when Redis returns). With `SHOTS_DIR` set, each state is also saved there as a PNG for review.
 */
import { spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Page } from '@playwright/test'
import { test, expect, startServe, REPO } from './serve-fixture'
import { startRedis } from '../helpers/redis'

async function shot(page: Page, name: string): Promise<void> {
  const dir = process.env.SHOTS_DIR
  if (!dir) return
  mkdirSync(dir, { recursive: true })
  await page.screenshot({ path: join(dir, `${name}.png`), fullPage: true })
}

async function stop(proc: ReturnType<typeof spawn>): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return
  proc.kill('SIGTERM')
  await new Promise((r) => proc.once('exit', r))
}

test('Remote runners: connected, Redis down, and reconnecting to a remembered URL', async ({ page }) => {
  test.setTimeout(300_000)
  const dir = mkdtempSync(join(tmpdir(), 'wb-e2e-remote-states-'))
  const ws = join(dir, 'ws')
  const redis = await startRedis()
  const agent = spawn(process.execPath, [join(REPO, 'bin/workbench.cjs'), 'agent', '--redis', redis.url, '--name', 'gpu-box', '--concurrency', '2', '--workspace', join(dir, 'agent')], {
    cwd: REPO,
    stdio: ['ignore', 'ignore', 'inherit']
  })
  let serve = await startServe(ws)
  try {
    await page.goto(serve.served.url)
    await page.getByTestId('nav-settings').click()
    const panel = page.getByTestId('remote-runners')
    await panel.getByTestId('remote-url').fill(redis.url)
    await panel.getByTestId('remote-local-slots').fill('1')
    await panel.getByTestId('remote-connect').click()
    await expect(panel.getByTestId('remote-status')).toHaveAttribute('data-state', 'connected')
    await page.getByTestId('nav-queue').click()
    await expect(page.getByTestId('agent-row-gpu-box')).toBeVisible({ timeout: 60_000 })
    await shot(page, 'queue-agents')
    await page.getByTestId('nav-settings').click()
    await expect(panel.getByTestId('remote-status')).toContainText(/1 agent/)
    await shot(page, 'settings-connected')

    // Redis goes away: the status says so, with the error; trials would go on here.
    await redis.stop()
    await expect(panel.getByTestId('remote-status')).toHaveAttribute('data-state', 'down', { timeout: 30_000 })
    await expect(panel.getByTestId('remote-status')).toContainText(/Redis is down/)
    await shot(page, 'settings-unreachable')

    // The workbench closes and opens again while Redis is still down: it keeps trying the URL it remembers.
    await stop(serve.proc)
    serve = await startServe(ws)
    await page.goto(serve.served.url)
    await page.getByTestId('nav-settings').click()
    await expect(panel.getByTestId('remote-status')).toHaveAttribute('data-state', 'reconnecting', { timeout: 30_000 })
    await expect(panel.getByTestId('remote-reconnecting')).toHaveText('Reconnecting…')
    await expect(panel.getByTestId('remote-status')).toContainText(/cannot reach redis:\/\/127\.0\.0\.1:\d+/)
    await shot(page, 'settings-reconnecting')

    // Redis returns: connected by itself, the agent back in the list.
    await redis.start()
    await expect(panel.getByTestId('remote-status')).toHaveAttribute('data-state', 'connected', { timeout: 60_000 })
    await page.getByTestId('nav-queue').click()
    await expect(page.getByTestId('agent-row-gpu-box')).toBeVisible({ timeout: 60_000 })
  } finally {
    await stop(serve.proc)
    await stop(agent)
    await redis.stop()
    rmSync(dir, { recursive: true, force: true })
  }
})

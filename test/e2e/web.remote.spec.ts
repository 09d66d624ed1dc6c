/**
 * Remote runners in the browser: a real `redis-server`, a real `workbench agent` process and a
 * served workbench. Settings → Remote runners says what is wrong with a URL nobody answers, then
 * connects; the Queue view lists the agent; a deep model started from Experiments trains on the
 * agent, and its run page follows it epoch by epoch, as for a local run; "Stop sending work"
 * pauses the agent.
 */
import { spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test, expect, startServe, api, liveLstmSpec, REPO } from './serve-fixture'
import { startRedis } from '../helpers/redis'

test('the agents and a remote trial, live in the UI', async ({ page }) => {
  test.setTimeout(300_000)
  const dir = mkdtempSync(join(tmpdir(), 'wb-e2e-remote-'))
  const experiments = join(dir, 'experiments')
  mkdirSync(experiments)
  writeFileSync(join(experiments, 'e2e-remote-lstm.json'), JSON.stringify(liveLstmSpec('e2e-remote-lstm')))
  const redis = await startRedis()
  const agent = spawn(process.execPath, [join(REPO, 'bin/workbench.cjs'), 'agent', '--redis', redis.url, '--name', 'e2e-agent', '--concurrency', '1', '--workspace', join(dir, 'agent')], {
    cwd: REPO,
    stdio: ['ignore', 'ignore', 'inherit']
  })
  const { served, proc } = await startServe(join(dir, 'ws'), ['--experiments', experiments])
  try {
    await page.goto(served.url)
    await page.getByTestId('nav-settings').click()
    const panel = page.getByTestId('remote-runners')
    // Nobody listens on port 1: the check says so, and nothing is connected.
    await panel.getByTestId('remote-url').fill('redis://127.0.0.1:1')
    await panel.getByTestId('remote-local-slots').fill('0')
    await panel.getByTestId('remote-connect').click()
    await expect(panel.getByTestId('remote-check-error')).toContainText(/Unreachable/)
    await expect(panel.getByTestId('remote-status')).toHaveCount(0)

    await panel.getByTestId('remote-url').fill(redis.url)
    await panel.getByTestId('remote-connect').click()
    await expect(panel.getByTestId('remote-check-ok')).toContainText(/Redis \d/)
    await expect(panel.getByTestId('remote-status')).toHaveAttribute('data-state', 'connected')

    // The Queue view lists the agent: where it is and what it trains on.
    await page.getByTestId('nav-queue').click()
    const row = page.getByTestId('agent-row-e2e-agent')
    await expect(row).toBeVisible({ timeout: 30_000 })
    await expect(page.getByTestId('agent-running-e2e-agent')).toContainText(/idle/)

    // A deep model from Experiments: with no local slot it goes to the agent.
    await page.getByTestId('nav-experiments').click()
    await page.getByTestId('start-e2e-remote-lstm.json').click()
    await expect(page).toHaveURL(/#\/runs\/\d+$/)
    const runId = Number(page.url().match(/#\/runs\/(\d+)$/)![1])
    await expect(page.getByTestId('run-agent')).toContainText('e2e-agent', { timeout: 120_000 })
    // Its epochs arrive live: the per-epoch panel shows two different epochs before the run ends.
    const live = page.getByTestId('live-confusion')
    const seen = new Set<number>()
    await expect
      .poll(
        async () => {
          if (/done|failed/i.test(await page.getByTestId('run-status').innerText())) return `ended with ${seen.size} epochs seen`
          if (await live.isVisible()) {
            const epoch = Number(await live.getAttribute('data-epoch'))
            if (epoch > 0) seen.add(epoch)
          }
          return seen.size >= 2 ? 'two epochs seen' : `${seen.size} epochs seen`
        },
        { timeout: 180_000, intervals: [200] }
      )
      .toBe('two epochs seen')
    await expect(page.getByTestId('run-status')).toHaveText(/done/i, { timeout: 180_000 })
    const detail = await api<{ agent: string | null; epochs: unknown[] }>(served, 'runs.get', { id: runId })
    expect(detail.agent).toBe('e2e-agent')
    expect(detail.epochs.length).toBeGreaterThanOrEqual(2)

    // Stop sending work to the agent: it says so, and can be sent work again.
    await page.getByTestId('nav-queue').click()
    await page.getByTestId('agent-pause-e2e-agent').click()
    await expect(row).toHaveAttribute('data-paused', 'true')
    await expect(page.getByTestId('agent-pause-e2e-agent')).toHaveText(/send work again/i)
  } finally {
    proc.kill('SIGTERM')
    await new Promise((r) => proc.once('exit', r))
    agent.kill('SIGTERM')
    await new Promise((r) => agent.once('exit', r))
    await redis.stop()
    rmSync(dir, { recursive: true, force: true })
  }
})

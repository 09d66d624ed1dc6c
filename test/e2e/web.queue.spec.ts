/**
 * The trial queue in the browser UI against a real `workbench serve`: a small Isolation Forest
 * grid (6 trials of a second or two, one at a time — long enough to pause between two and to see
 * it active again after resuming, now that a warm worker starts a trial in milliseconds) is
 * queued through the API the UI uses; the queue view pauses it (no new trial starts while
 * paused), resumes it, follows it to 6/6 (then it reads finished, not active), and the leaderboard ranks the 6 trials and opens a trial's run page.
 * How many trials run at once is the host's to say: the view shows its slots from `app.info`.
 */
import { test, expect, collectPageProblems } from './serve-fixture'

const GRID = {
  name: 'e2e-queue-grid',
  dataset: { generator: 'helios-detection', params: { days: 60, seed: 3 } },
  split: { kind: 'time', trainFraction: 0.6 },
  model: { kind: 'iforest', params: { maxSamples: 256, seed: 1 } },
  search: { kind: 'grid', space: { nEstimators: [400, 800, 1200], contamination: [0.04, 0.06] } },
  concurrency: 1,
  objective: { metric: 'f1', direction: 'maximize' },
  targets: ['precision >= 0.5']
}

test('queue a grid, pause and resume it, see it finished, then rank its trials', async ({ page, workbench }) => {
  test.setTimeout(180_000)
  const problems = collectPageProblems(page)
  await page.goto(workbench.url)
  await expect(page.getByText(workbench.workspace)).toBeVisible()

  // Queue through the same API the UI uses (the spec editor is a later issue).
  const call = <T>(method: string, input: unknown) =>
    page.evaluate(
      async ([method, input, url]) => {
        const token = new URL(url).searchParams.get('token')
        const res = await fetch(`/api/${method}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify(input)
        })
        return ((await res.json()) as { output: unknown }).output
      },
      [method, input, workbench.url] as const
    ) as Promise<T>
  const queued = await call<{ experimentId: number; total: number }>('experiments.queue', { spec: GRID })
  const { concurrency: slots } = await call<{ concurrency: number }>('app.info', {})
  expect(queued.total).toBe(6)
  const id = queued.experimentId

  await page.getByTestId('nav-queue').click()
  await expect(page).toHaveURL(/#\/queue$/)
  await expect(page.getByTestId('queue-table')).toBeVisible()
  const row = page.getByTestId(`queue-row-${id}`)
  const progress = page.getByTestId(`queue-progress-${id}`)
  await expect(row).toBeVisible()
  await expect(progress).toHaveAttribute('data-total', '6')
  // The host's slots, and this search's share of them (its spec asks for one at a time).
  await expect(page.getByTestId('queue-host-slots')).toHaveText(`this host runs ${slots} ${slots === 1 ? 'trial' : 'trials'} at a time`)
  await expect(page.getByTestId(`queue-at-once-${id}`)).toHaveText('1 at a time')
  const attr = async (name: string) => Number(await progress.getAttribute(name))

  // Pause once a trial is done; the one running then finishes and nothing new starts.
  await expect.poll(() => attr('data-done'), { timeout: 45_000 }).toBeGreaterThanOrEqual(1)
  await page.getByTestId(`queue-pause-${id}`).click()
  await expect(page.getByTestId(`queue-status-${id}`)).toHaveText(/paused/i)
  await expect(page.getByTestId(`queue-resume-${id}`)).toBeVisible()
  await expect.poll(() => attr('data-running'), { timeout: 30_000 }).toBe(0)
  const donePaused = await attr('data-done')
  expect(donePaused).toBeLessThan(6)
  await page.waitForTimeout(2500)
  expect(await attr('data-done')).toBe(donePaused)
  expect(await attr('data-running')).toBe(0)

  // Resume and follow it to the end.
  await page.getByTestId(`queue-resume-${id}`).click()
  await expect(page.getByTestId(`queue-status-${id}`)).toHaveText(/active/i)
  await expect(progress).toHaveAttribute('data-done', '6', { timeout: 120_000 })
  await expect(progress).toHaveAttribute('data-total', '6')
  // Nothing left to run: finished, and the targets cell is a verdict, not "yet".
  await expect(page.getByTestId(`queue-status-${id}`)).toHaveText(/finished/i)
  await expect(page.getByTestId(`queue-targets-${id}`)).not.toContainText('yet')

  // The leaderboard: 6 ranked rows, best first; a row opens its run.
  await page.getByTestId(`queue-open-${id}`).click()
  await expect(page).toHaveURL(new RegExp(`#/queue/${id}$`))
  const board = page.getByTestId('leaderboard')
  await expect(board).toBeVisible()
  const rows = board.getByTestId(/^leaderboard-row-\d+$/)
  await expect(rows).toHaveCount(6)
  await expect(page.getByTestId('leaderboard-status')).toHaveText(/finished/i)
  await expect(page.getByTestId('leaderboard-targets-met')).not.toContainText('yet')
  const ranks = await rows.evaluateAll((els) => els.map((el) => el.getAttribute('data-rank')))
  expect(ranks).toEqual(['1', '2', '3', '4', '5', '6'])
  await expect(page.getByTestId('param-plot')).toBeVisible()
  await expect(page.getByTestId('column-picker')).toBeVisible()

  await rows.first().click()
  await expect(page).toHaveURL(/#\/runs\/\d+$/)
  await expect(page.getByTestId('run-status')).toHaveText(/done/i)
  expect(problems).toEqual([])
})

/**
 * The comforts of the browser UI against a real `workbench serve`: the command palette opens a run
 * by part of its experiment's name, `?` shows the shortcuts, `g d` goes to Datasets, the theme
 * toggle switches (charts too) and is remembered across a reload, a run failing in a worker
 * shows a toast that leads to the run, and a bundle arriving in the shared folder shows a toast
 * (those already there when the page opened do not).
 */
import { mkdirSync } from 'node:fs'
import { basename, join } from 'node:path'
import { test, expect, api, type ServedWorkbench } from './serve-fixture'

/** A valid spec whose split leaves nothing to test on: only the worker finds out, and fails the run. */
const FAILING = {
  name: 'e2e-comfort-doomed-split',
  dataset: { generator: 'helios-detection', params: { days: 1 } },
  split: { kind: 'time', trainFraction: 0.9999 },
  model: { kind: 'iforest', params: {} }
}

async function waitForRun(wb: ServedWorkbench, id: number, status: string): Promise<void> {
  await expect.poll(async () => (await api<{ status: string }>(wb, 'runs.get', { id })).status, { timeout: 60_000 }).toBe(status)
}

test('the command palette opens a run by typing part of its experiment name', async ({ page, workbench }) => {
  test.setTimeout(120_000)
  const { runId } = await api<{ runId: number }>(workbench, 'runs.start', {
    spec: { name: 'palette-findable-forest', dataset: { generator: 'helios-detection', params: { days: 2, seed: 4 } }, split: { kind: 'time', trainFraction: 0.5 }, model: { kind: 'iforest', params: { nEstimators: 20, seed: 1 } } }
  })
  await waitForRun(workbench, runId, 'done')
  await page.goto(workbench.url)
  await expect(page.getByText(workbench.workspace)).toBeVisible()

  await page.keyboard.press('Control+k')
  const palette = page.getByTestId('command-palette')
  await expect(palette).toBeVisible()
  await expect(page.getByTestId('palette-input')).toBeFocused()
  await page.keyboard.type('findable')
  const first = palette.getByRole('option').first()
  await expect(first).toHaveText(new RegExp(`Run ${runId} · palette-findable-forest`))
  await expect(first).toHaveAttribute('aria-selected', 'true')
  await page.keyboard.press('Enter')
  await expect(page).toHaveURL(new RegExp(`#/runs/${runId}$`))
  await expect(palette).toBeHidden()

  // Escape closes it and gives focus back to what had it.
  await page.getByTestId('nav-runs').focus()
  await page.keyboard.press('Control+k')
  await expect(palette).toBeVisible()
  await page.keyboard.press('Escape')
  await expect(palette).toBeHidden()
  await expect(page.getByTestId('nav-runs')).toBeFocused()

  // Actions too: arrows move, Enter runs.
  await page.keyboard.press('Control+k')
  await page.keyboard.type('go to datasets')
  await page.keyboard.press('Enter')
  await expect(page).toHaveURL(/#\/datasets$/)
})

test('? shows the shortcuts; g then a letter goes to a page; keys typed in a field stay there', async ({ page, workbench }) => {
  await page.goto(`${workbench.url}#/runs`)
  await expect(page.getByTestId('runs-search')).toBeVisible()
  await page.locator('body').press('?')
  const help = page.getByTestId('help-overlay')
  await expect(help).toBeVisible()
  await expect(help.getByRole('heading', { name: 'Keyboard shortcuts' })).toBeVisible()
  await expect(help).toContainText('Go to Datasets')
  await page.keyboard.press('Escape')
  await expect(help).toBeHidden()

  // Typing "?" and "g d" into the search box is text, not a shortcut.
  await page.getByTestId('runs-search').fill('')
  await page.getByTestId('runs-search').pressSequentially('g d?')
  await expect(page.getByTestId('runs-search')).toHaveValue('g d?')
  await expect(help).toBeHidden()
  await expect(page).toHaveURL(/#\/runs$/)

  await page.getByTestId('runs-search').blur()
  await page.keyboard.press('g')
  await page.keyboard.press('d')
  await expect(page).toHaveURL(/#\/datasets$/)
  await page.keyboard.press('g')
  await page.keyboard.press('q')
  await expect(page).toHaveURL(/#\/queue$/)
})

test('the theme toggle switches light and dark and is remembered across a reload; Settings offers following the system', async ({ page, workbench }) => {
  await page.emulateMedia({ colorScheme: 'light' })
  await page.goto(`${workbench.url}#/runs`)
  const html = page.locator('html')
  await expect(html).toHaveAttribute('data-theme', 'light')
  const background = () => page.locator('body').evaluate((el) => (globalThis as unknown as { getComputedStyle(e: unknown): { backgroundColor: string } }).getComputedStyle(el).backgroundColor)
  const lightBg = await background()

  await page.getByTestId('theme-toggle').click()
  await expect(html).toHaveAttribute('data-theme', 'dark')
  expect(await background()).not.toBe(lightBg)
  await page.reload()
  await expect(html).toHaveAttribute('data-theme', 'dark')
  await expect(page.getByTestId('theme-toggle')).toHaveAccessibleName('Switch to light theme')

  // "Follow the system" follows it live.
  await page.goto(`${workbench.url}#/settings`)
  await page.getByTestId('theme-system').check()
  await expect(html).toHaveAttribute('data-theme', 'light')
  await page.emulateMedia({ colorScheme: 'dark' })
  await expect(html).toHaveAttribute('data-theme', 'dark')
  await page.reload()
  await expect(page.getByTestId('theme-system')).toBeChecked()
  await expect(html).toHaveAttribute('data-theme', 'dark')
  await page.emulateMedia({ colorScheme: 'light' })
  await expect(html).toHaveAttribute('data-theme', 'light')
})

test('a run failing shows a toast that leads to the run', async ({ page, workbench }) => {
  await page.goto(`${workbench.url}#/datasets`)
  await expect(page.getByTestId('workspace')).toContainText(workbench.workspace)
  const { runId } = await api<{ runId: number }>(workbench, 'runs.start', { spec: FAILING })
  const toast = page.getByRole('alert').getByTestId('toast').filter({ hasText: `Run ${runId} failed` })
  await expect(toast).toBeVisible({ timeout: 60_000 })
  await expect(toast).toContainText('e2e-comfort-doomed-split: ')
  await expect(toast).toHaveAttribute('data-tone', 'bad')
  await toast.getByRole('link').click()
  await expect(page).toHaveURL(new RegExp(`#/runs/${runId}$`))
  await expect(page.getByTestId('run-status')).toHaveText(/failed/i)
  await expect(toast).toBeHidden()
})

test('a bundle arriving in the shared folder shows a toast; one there when the page opened does not', async ({ page, workbench }) => {
  test.setTimeout(180_000)
  // The shared folder inside the workspace (a folder the host's path policy allows).
  const shared = join(workbench.workspace, 'shared-bundles')
  mkdirSync(shared, { recursive: true })
  await api(workbench, 'settings.set', { sharedDir: shared })
  const { runId } = await api<{ runId: number }>(workbench, 'runs.start', {
    spec: { name: 'e2e-comfort-bundled', dataset: { generator: 'helios-detection', params: { days: 2, seed: 4 } }, split: { kind: 'time', trainFraction: 0.5 }, model: { kind: 'iforest', params: { nEstimators: 20, seed: 1 } } }
  })
  await waitForRun(workbench, runId, 'done')
  const before = await api<{ dir: string }>(workbench, 'bundles.export', { runId, to: 'shared', name: 'comfort-there-before' })

  // The Bundles page shows the bundle that was there: the list was read, and made no notice. (Counted
  // once, not waited on: a notice would go by itself after a few seconds.)
  await page.goto(`${workbench.url}#/bundles`)
  await expect(page.getByTestId(`bundle-shared-${basename(before.dir)}`)).toBeVisible()
  const arrived = page.getByTestId('toast').filter({ hasText: 'A bundle arrived in the shared folder' })
  expect(await arrived.count()).toBe(0)

  // Another page while a second bundle lands: one toast, for it, that leads to the Bundles page.
  await page.goto(`${workbench.url}#/datasets`)
  await expect(page.getByTestId('workspace')).toContainText(workbench.workspace)
  const after = await api<{ dir: string }>(workbench, 'bundles.export', { runId, to: 'shared', name: 'comfort-arrived' })
  const late = arrived.filter({ hasText: 'comfort-arrived' })
  await expect(late).toBeVisible()
  expect(await arrived.count()).toBe(1)
  await late.getByRole('link').click()
  await expect(page).toHaveURL(/#\/bundles$/)
  await expect(page.getByTestId(`bundle-shared-${basename(after.dir)}`)).toBeVisible()
  await expect(late).toBeHidden()
})

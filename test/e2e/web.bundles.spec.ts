/**
 * Two workbenches watching one shared folder (seed 002's A/B testing between colleagues):
 * workspace A trains the seed-002 Isolation Forest and exports it to the shared folder from the
 * run page; workspace B's Bundles view, already open, shows it without a reload; B verifies it,
 * imports it, evaluates it on a dataset version generated in B and sees it in the A/B table.
 * A copy with a hand-edited model_config.json is refused, in red.
 */
import type { Page } from '@playwright/test'
import type { ChildProcess } from 'node:child_process'
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { test, expect, startServe, type ServedWorkbench } from './serve-fixture'

let root = ''
let shared = ''
let libraryA = ''
let libraryB = ''
const procs: ChildProcess[] = []
let a: ServedWorkbench
let b: ServedWorkbench

test.beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'wb-e2e-bundles-'))
  shared = join(root, 'shared')
  libraryA = join(root, 'library-a')
  libraryB = join(root, 'library-b')
  for (const d of [shared, libraryA, libraryB, join(root, 'ws-a'), join(root, 'ws-b')]) mkdirSync(d, { recursive: true })
  const sa = await startServe(join(root, 'ws-a'), ['--shared', shared, '--bundles', libraryA])
  const sb = await startServe(join(root, 'ws-b'), ['--shared', shared, '--bundles', libraryB])
  procs.push(sa.proc, sb.proc)
  a = sa.served
  b = sb.served
})

test.afterAll(async () => {
  for (const p of procs) {
    p.kill('SIGTERM')
    await new Promise((r) => (p.exitCode != null ? r(null) : p.once('exit', r)))
  }
  if (root) rmSync(root, { recursive: true, force: true })
})

/** POST /api/<method> with the page's token; returns the output (throws on an API error). */
async function call<T>(page: Page, served: ServedWorkbench, method: string, input: unknown): Promise<T> {
  return page.evaluate(
    async ([m, body, url]) => {
      const token = new URL(url).searchParams.get('token')
      const res = await fetch(`/api/${m}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) })
      const json = (await res.json()) as { ok?: boolean; output?: unknown; error?: { message: string } }
      if (json.ok === false || !('output' in json)) throw new Error(`${m}: ${JSON.stringify(json)}`)
      return json.output
    },
    [method, input, served.url] as const
  ) as Promise<T>
}

test('a bundle exported to the shared folder in A is verified, imported, evaluated and compared in B', async ({ context }) => {
  test.setTimeout(300_000)
  // Two tabs of one browser, one per workbench (different origins: their tokens stay apart).
  const pageA = await context.newPage()
  const pageB = await context.newPage()
  const problems: string[] = []
  for (const p of [pageA, pageB]) {
    p.on('pageerror', (e) => problems.push(e.message))
    p.on('console', (m) => {
      if (m.type() === 'error') problems.push(m.text())
    })
  }

  // B: the Bundles view is open before anything is exported; the shared folder is shown.
  await pageB.goto(`${b.url}#/bundles`)
  await expect(pageB.getByTestId('nav-bundles')).toBeVisible()
  await expect(pageB.getByTestId('shared-dir')).toHaveText(shared)
  await expect(pageB.getByTestId('bundles-shared')).toContainText('Nothing in the shared folder yet')

  // B: a dataset version of its own (helios-detection, 3 days, seed 2) to evaluate on.
  await call(pageB, b, 'datasets.generate', { scenario: 'helios-detection', params: { days: 3, seed: 2 } })

  // A: run the seed-002 experiment through the API and follow it on its run page.
  await pageA.goto(a.url)
  const { runId } = await call<{ runId: number }>(pageA, a, 'runs.start', { file: 'helios-detection-iforest.json' })
  await pageA.goto(`${a.url}#/runs/${runId}`)
  await expect(pageA.getByTestId('run-status')).toHaveText(/done/i, { timeout: 120_000 })

  // A: export it to the shared folder from the UI.
  await pageA.getByTestId('export-to-shared').check()
  await pageA.getByTestId('export-bundle').click()
  await expect(pageA.getByTestId('export-result')).toBeVisible({ timeout: 120_000 })
  const dir = (await pageA.getByTestId('export-dir').innerText()).trim()
  expect(dir.startsWith(shared)).toBe(true)
  await expect(pageA.getByTestId('export-parity')).toContainText(/e-?\d/)
  const folder = basename(dir)
  await pageA.screenshot({ path: 'test-results/bundles-export-run-page.png' })

  // B: the bundle appears in the shared section without a reload.
  const sharedCard = pageB.getByTestId(`bundle-shared-${folder}`)
  await expect(sharedCard).toBeVisible({ timeout: 20_000 })
  await expect(sharedCard.getByTestId(`bundle-status-${folder}`)).toHaveText('ok')

  // Verify: ok with a max |diff|.
  await sharedCard.getByTestId(`bundle-verify-${folder}`).click()
  await expect(sharedCard.getByTestId(`bundle-verify-result-${folder}`)).toContainText(/verified.*max \|diff\|/i, { timeout: 60_000 })

  // Import: the copy lands in B's library; the shared one says so and can't be imported again.
  await sharedCard.getByTestId(`bundle-import-${folder}`).click()
  const localCard = pageB.getByTestId(`bundle-local-${folder}`)
  await expect(localCard).toBeVisible({ timeout: 60_000 })
  await expect(sharedCard.getByTestId(`bundle-import-${folder}`)).toBeDisabled()

  // Evaluate the local copy on B's generated version.
  const generatedId = async () =>
    (await call<{ id: string; generator: string | null }[]>(pageB, b, 'datasets.list', {})).find((d) => d.generator === 'helios-detection')?.id ?? null
  await expect.poll(generatedId, { timeout: 60_000 }).not.toBeNull()
  const datasetId = (await generatedId())!
  const pick = localCard.getByTestId(`bundle-dataset-${folder}`)
  await expect(pick.locator(`option[value="${datasetId}"]`)).toHaveCount(1)
  await pick.selectOption(datasetId)
  await localCard.getByTestId(`bundle-evaluate-${folder}`).click()
  await expect(localCard.getByTestId(`bundle-evaluation-${folder}`).first()).toBeVisible({ timeout: 60_000 })

  // The A/B table compares it on that version.
  const ab = pageB.getByTestId('ab-table')
  await expect(ab).toHaveAttribute('data-dataset', datasetId)
  const row = ab.getByTestId(`ab-row-${folder}`)
  await expect(row).toBeVisible()
  await expect(row.locator('td[data-metric="precision"]')).toHaveText(/\d+(\.\d+)?\s?%/)
  await pageB.screenshot({ path: 'test-results/bundles-view.png', fullPage: true })
  await ab.screenshot({ path: 'test-results/bundles-ab-table.png' })

  // A copy whose model_config.json was edited by hand no longer matches its manifest: refused.
  const tampered = join(libraryB, `${folder}-tampered`)
  cpSync(join(libraryB, folder), tampered, { recursive: true })
  const configFile = join(tampered, 'model_config.json')
  const config = JSON.parse(readFileSync(configFile, 'utf8')) as { threshold: number }
  config.threshold = 0.01
  writeFileSync(configFile, JSON.stringify(config, null, 2))
  const refused = pageB.getByTestId(`bundle-local-${folder}-tampered`)
  await expect(refused).toBeVisible({ timeout: 20_000 })
  await expect(refused.getByTestId(`bundle-status-${folder}-tampered`)).toHaveText('refused')
  await expect(refused.getByTestId(`bundle-problem-${folder}-tampered`)).toContainText(/model_config\.json/)
  await expect(refused.getByTestId(`bundle-evaluate-${folder}-tampered`)).toBeDisabled()
  await refused.scrollIntoViewIfNeeded()
  await pageB.screenshot({ path: 'test-results/bundles-refused.png', fullPage: true })

  expect(problems).toEqual([])
})

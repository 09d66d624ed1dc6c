/**
 * The token's path through a real browser: the printed URL leaves an HttpOnly cookie and an
 * address bar without the token; another tab of the same browser opens `/` and works; a browser
 * without the cookie is refused.
 */
import { test, expect } from './serve-fixture'

test('the printed URL moves the token into a cookie: the address drops it, a second tab on / works, a fresh browser is refused', async ({ page, context, browser, workbench }) => {
  const token = new URL(workbench.url).searchParams.get('token')!
  const root = `http://127.0.0.1:${workbench.port}/`

  // The fragment survives the redirect (links such as `?token=…#/runs/3` keep working).
  await page.goto(`${workbench.url}#/experiments`)
  await expect(page.getByText(workbench.workspace)).toBeVisible()
  expect(page.url()).toBe(`${root}#/experiments`)
  // Scripts on the page cannot read it; the browser keeps it for this workbench's port only.
  expect(await page.evaluate<string>('document.cookie')).not.toContain(token)
  expect(await context.cookies(root)).toEqual([
    expect.objectContaining({ name: `workbench-token-${workbench.port}`, value: token, httpOnly: true, sameSite: 'Strict', path: '/' })
  ])

  const second = await context.newPage()
  await second.goto(root)
  await expect(second.getByText(workbench.workspace)).toBeVisible()
  expect(second.url().startsWith(root) && !second.url().includes(token)).toBe(true)
  await second.close()

  const fresh = await browser.newContext()
  try {
    const stranger = await fresh.newPage()
    await stranger.goto(root)
    await expect(stranger.getByText(/missing token/i).first()).toBeVisible()
    await expect(stranger.getByText(workbench.workspace)).toHaveCount(0)
  } finally {
    await fresh.close()
  }
})

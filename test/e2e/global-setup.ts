/** Builds main, preload and renderer unless out/ is current, so the tests use what `npm run build` ships. */
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { CHROMIUM } from '../../playwright.config'
import { fileURLToPath } from 'node:url'

export default function globalSetup(): void {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium not found at ${CHROMIUM}: install Debian's chromium (apt-get install chromium) or set CHROMIUM_PATH`)
  }
  const root = fileURLToPath(new URL('../..', import.meta.url))
  execFileSync(process.execPath, [join(root, 'scripts/build-if-stale.mjs')], { cwd: root, stdio: 'inherit' })
}

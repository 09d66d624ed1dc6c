#!/usr/bin/env node
// Builds out/ (`electron-vite build`: the Node bundle, the preload, the renderer) unless it already
// holds a build of the current sources (bin/bundle-state.cjs), so that the tests and benches run
// what users run without paying for a build per run. The integration tests' global setup (vitest),
// the end-to-end tests' (Playwright) and `npm run bench` call it; `node scripts/build-if-stale.mjs`
// by hand.
import { execFileSync } from 'node:child_process'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const { bundleState } = createRequire(import.meta.url)('../bin/bundle-state.cjs')

export default function buildIfStale() {
  const state = bundleState(root)
  if (state.fresh) return
  process.stderr.write(`building out/: ${state.reason}\n`)
  execFileSync(process.execPath, [join(root, 'node_modules/electron-vite/bin/electron-vite.js'), 'build'], { cwd: root, stdio: 'inherit' })
}

if (process.argv[1] === fileURLToPath(import.meta.url)) buildIfStale()

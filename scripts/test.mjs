#!/usr/bin/env node
// `npm test`: the whole suite — unit and integration tests (vitest, Node), then end-to-end tests
// (Playwright: Debian's Chromium against `workbench serve`, and Electron where its binary is
// present) — and one closing line `N passed, N failed, N skipped` counted from both reports.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const results = join(root, 'test-results')
mkdirSync(results, { recursive: true })
const bin = (pkg, file) => join(root, 'node_modules', pkg, file)

function run(title, args) {
  process.stderr.write(`\n=== ${title} ===\n`)
  const started = Date.now()
  const r = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit', env: { ...process.env, FORCE_COLOR: '0' } })
  process.stderr.write(`=== ${title}: exit ${r.status} in ${((Date.now() - started) / 1000).toFixed(1)} s ===\n`)
  return r.status ?? 1
}

function readJson(file) {
  try {
    return JSON.parse(readFileSync(file, 'utf8'))
  } catch {
    return null
  }
}

const vitestJson = join(results, 'vitest-results.json')
const e2eJson = join(results, 'e2e-results.json')
for (const f of [vitestJson, e2eJson]) if (existsSync(f)) rmSync(f)

const only = process.argv[2] // optional: 'unit' | 'integration' | 'e2e'
let exitCodes = []
if (!only || only === 'unit' || only === 'integration') {
  const projects = only ? ['--project', only] : []
  exitCodes.push(run('vitest', [bin('vitest', 'vitest.mjs'), 'run', ...projects, '--reporter=default', '--reporter=json', `--outputFile.json=${vitestJson}`]))
}
if (!only || only === 'e2e') {
  exitCodes.push(run('playwright', [bin('@playwright/test', 'cli.js'), 'test']))
}

let passed = 0
let failed = 0
let skipped = 0
const v = readJson(vitestJson)
if (v) {
  passed += v.numPassedTests
  failed += v.numFailedTests
  skipped += v.numPendingTests + v.numTodoTests
} else if (!only || only !== 'e2e') {
  failed += 1
  process.stderr.write('vitest wrote no report: counted as one failure\n')
}
const p = readJson(e2eJson)
if (p) {
  passed += p.stats.expected + (p.stats.flaky ?? 0)
  failed += p.stats.unexpected
  skipped += p.stats.skipped
} else if (!only || only === 'e2e') {
  failed += 1
  process.stderr.write('playwright wrote no report: counted as one failure\n')
}
// A runner that crashed before reporting a failing test still fails the suite.
if (failed === 0 && exitCodes.some((c) => c !== 0)) failed = 1

process.stdout.write(`\n${passed} passed, ${failed} failed, ${skipped} skipped\n`)
process.exit(failed > 0 ? 1 : 0)

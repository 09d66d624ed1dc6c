/**
 * bin/bundle-state.cjs: whether out/ holds a build of the current sources, by modification times,
 * on a scratch tree whose times the test sets.
 */
import { describe, it, expect, afterEach } from 'vitest'
import { createRequire } from 'node:module'
import { mkdirSync, mkdtempSync, renameSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'

const { bundleState } = createRequire(import.meta.url)('../../bin/bundle-state.cjs') as {
  bundleState(root: string): { fresh: boolean; reason: string | null }
}

const BUILT = new Date('2026-01-02T00:00:00Z')
const BEFORE = new Date('2026-01-01T00:00:00Z')
let root = ''
afterEach(() => rmSync(root, { recursive: true, force: true }))

/** A tree with sources (src-main/a/x.ts, src-main/a/y.ts) older than its three bundle outputs. */
function builtTree(): string {
  if (root) rmSync(root, { recursive: true, force: true })
  root = mkdtempSync(join(tmpdir(), 'wb-bundle-state-'))
  const files = ['src-main/a/x.ts', 'src-main/a/y.ts', 'package.json', 'out/main/cli.js', 'out/preload/index.cjs', 'out/renderer/index.html']
  for (const f of files) {
    mkdirSync(dirname(join(root, f)), { recursive: true })
    writeFileSync(join(root, f), '')
  }
  for (const d of ['src-main/a', 'src-main', 'src-main/a/x.ts', 'src-main/a/y.ts', 'package.json']) utimesSync(join(root, d), BEFORE, BEFORE)
  for (const f of files.filter((f) => f.startsWith('out/'))) utimesSync(join(root, f), BUILT, BUILT)
  return root
}

describe('bundle state', () => {
  it('is fresh when every source is older than the build, stale when one was edited after it', () => {
    builtTree()
    expect(bundleState(root)).toEqual({ fresh: true, reason: null })
    utimesSync(join(root, 'src-main/a/y.ts'), new Date(), new Date())
    expect(bundleState(root)).toEqual({ fresh: false, reason: 'src-main/a/y.ts changed since the last build' })
  })

  it('is stale when a source was deleted or renamed after the build (only its folder changed)', () => {
    builtTree()
    rmSync(join(root, 'src-main/a/y.ts'))
    expect(bundleState(root).reason).toBe('src-main/a changed since the last build')
    builtTree()
    // A rename keeps the file's own time.
    renameSync(join(root, 'src-main/a/y.ts'), join(root, 'src-main/a/z.ts'))
    expect(bundleState(root)).toMatchObject({ fresh: false })
  })

  it('names a missing bundle output', () => {
    builtTree()
    rmSync(join(root, 'out/preload'), { recursive: true })
    expect(bundleState(root)).toEqual({ fresh: false, reason: 'out/preload/index.cjs is missing' })
  })
})

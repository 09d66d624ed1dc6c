/**
 * How `workbench` runs: the bundle in out/main on plain Node, its workers forked on plain Node too
 * (what users run; the global setup builds it), or, while the bundle is missing or older than the
 * sources, the TypeScript sources through tsx with one line on stderr saying why. The fallback
 * cases run bin/workbench.cjs from a scratch root (the repository's bundle and sources stay as
 * they are): its own copy of bin/, the sources linked, and a package.json whose age it sets.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { spawnSync } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { REPO, runWorkbench, tempDir, tinyLstmSpec } from '../helpers/workspace'

let tmp: ReturnType<typeof tempDir>
beforeAll(() => {
  tmp = tempDir('wb-cli-bundle-')
})
afterAll(() => tmp.remove())

interface CodeReport {
  from: string
  workers: Record<string, { entry: string; execArgv: string[] }>
}

/** A root holding bin/ (copied), the sources and, as asked, node_modules and out/ (linked). */
function scratchRoot(name: string, opts: { nodeModules: boolean; out: boolean }): string {
  const root = join(tmp.dir, name)
  mkdirSync(join(root, 'bin'), { recursive: true })
  for (const f of ['workbench.cjs', 'bundle-state.cjs']) copyFileSync(join(REPO, 'bin', f), join(root, 'bin', f))
  for (const d of ['src-main', 'src-preload', 'src-renderer']) symlinkSync(join(REPO, d), join(root, d))
  copyFileSync(join(REPO, 'package.json'), join(root, 'package.json'))
  if (opts.nodeModules) symlinkSync(join(REPO, 'node_modules'), join(root, 'node_modules'))
  if (opts.out) symlinkSync(join(REPO, 'out'), join(root, 'out'))
  return root
}

function workbenchAt(root: string, args: string[]) {
  const r = spawnSync(process.execPath, [join(root, 'bin/workbench.cjs'), ...args, '--workspace', join(tmp.dir, 'ws')], { cwd: root, encoding: 'utf8', timeout: 120_000 })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}

describe('how workbench runs', () => {
  it('from the bundle: doctor --json reports it, and each worker is a bundled entry forked with no loader', () => {
    const r = runWorkbench(join(tmp.dir, 'ws'), ['doctor', '--json'])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr).toBe('')
    const code = JSON.parse(r.stdout).code as CodeReport
    expect(code.from).toBe('bundle')
    expect(Object.keys(code.workers).sort()).toEqual(['data', 'inference', 'training'])
    for (const [kind, w] of Object.entries(code.workers)) {
      expect(w.entry).toBe(join(REPO, 'out', 'main', `${kind}-worker.js`))
      expect(w.execArgv).toEqual([])
    }
  })

  it('from the bundle: a lone deep trial splits its batches over the cores, its replica threads a bundled entry too', () => {
    const ws = join(tmp.dir, 'ws-replicas')
    const spec = join(tmp.dir, 'lone-lstm.json')
    writeFileSync(spec, JSON.stringify(tinyLstmSpec('lone-lstm', { epochs: 1, seed: 1 })))
    const r = runWorkbench(ws, ['run', spec, '--json'])
    expect(r.code, r.stderr).toBe(0)
    expect(JSON.parse(r.stdout)).toMatchObject({ status: 'done' })
    const db = new Database(join(ws, 'workbench.db'), { readonly: true })
    try {
      const logs = db.prepare('SELECT message FROM run_logs').pluck().all() as string[]
      // `run` of a one-trial spec: one trial slot, so the trial gets every core (batches of 64: 2 parts at most).
      if (availableParallelism() >= 2) expect(logs).toContain('data-parallel training: every batch is split over 2 threads')
      else expect(logs.join('\n')).not.toMatch(/split over/)
    } finally {
      db.close()
    }
    expect(existsSync(join(REPO, 'out', 'main', 'gradient-replica-thread.js'))).toBe(true)
  })

  it('with the bundle missing: the sources through tsx, their workers through tsx too, and one line on stderr naming what is missing', () => {
    const root = scratchRoot('no-bundle', { nodeModules: true, out: false })
    const r = workbenchAt(root, ['doctor', '--json'])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr.trim().split('\n')).toEqual(['workbench: running the TypeScript sources through tsx: out/main/cli.js is missing (`npm run build` for the bundle)'])
    const code = JSON.parse(r.stdout).code as CodeReport
    expect(code.from).toBe('sources')
    for (const w of Object.values(code.workers)) {
      expect(w.entry).toMatch(/src-main\/workers\/\w+-worker\.ts$/)
      expect(w.execArgv[0]).toBe('--import')
      expect(w.execArgv[1]).toMatch(/node_modules\/tsx\//)
    }
  }, 60_000)

  it('with a source newer than the bundle: the sources, naming the newer file; once the bundle is newer again: the bundle, silently', () => {
    const root = scratchRoot('stale-bundle', { nodeModules: true, out: true })
    const later = new Date(Date.now() + 3_600_000)
    utimesSync(join(root, 'package.json'), later, later)
    const stale = workbenchAt(root, ['--version'])
    expect(stale.code, stale.stderr).toBe(0)
    expect(stale.stderr).toBe('workbench: running the TypeScript sources through tsx: package.json changed since the last build (`npm run build` for the bundle)\n')

    const earlier = new Date('2020-01-01T00:00:00Z')
    utimesSync(join(root, 'package.json'), earlier, earlier)
    const fresh = workbenchAt(root, ['--version'])
    expect(fresh.code).toBe(0)
    expect(fresh.stderr).toBe('')
    expect(fresh.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/)
  }, 60_000)

  it('with neither the bundle nor tsx: exit 2 and say to build', () => {
    const root = scratchRoot('bare', { nodeModules: false, out: false })
    const r = workbenchAt(root, ['--version'])
    expect(r.code).toBe(2)
    expect(r.stderr).toBe('workbench: out/main/cli.js is missing and tsx is not installed to run the sources: run `npm run build`\n')
  })
})

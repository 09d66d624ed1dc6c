/**
 * What the browser benches share: a real `workbench serve` on a workspace (found through the URL
 * it prints) and calls to its HTTP API with the token. Not a bench itself (no `.bench.ts`).
 */
import { execFileSync, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

export const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)))
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

/** Builds the renderer when `out/renderer` is missing (benches drive what `npm run build` ships). */
export function ensureBuilt(): void {
  if (!existsSync(join(ROOT, 'out/renderer/index.html'))) {
    execFileSync(process.execPath, [join(ROOT, 'node_modules/electron-vite/bin/electron-vite.js'), 'build'], { cwd: ROOT, stdio: 'inherit' })
  }
}

export async function startServe(workspace: string): Promise<{ url: string; stop: () => Promise<void> }> {
  const proc = spawn(process.execPath, [join(ROOT, 'bin/workbench.cjs'), 'serve', '--port', '0', '--json', '--workspace', workspace], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let stderr = ''
  proc.stderr!.on('data', (c) => (stderr += c))
  const url = await new Promise<string>((ok, fail) => {
    let out = ''
    proc.stdout!.on('data', (c) => {
      out += c
      if (out.includes('\n')) {
        try {
          ok((JSON.parse(out.split('\n')[0]!) as { url: string }).url)
        } catch (err) {
          fail(new Error(`serve printed ${out}: ${(err as Error).message}`))
        }
      }
    })
    proc.once('exit', (code) => fail(new Error(`serve exited with ${code}: ${stderr}`)))
    setTimeout(() => fail(new Error(`serve did not start within 60 s: ${stderr}`)), 60_000)
  })
  return {
    url,
    stop: () =>
      new Promise((done) => {
        if (proc.exitCode !== null) return done()
        proc.once('exit', () => done())
        proc.kill('SIGTERM')
      })
  }
}

export async function call<T>(url: string, method: string, input: unknown): Promise<T> {
  const u = new URL(url)
  const token = u.searchParams.get('token')
  const res = await fetch(`${u.origin}/api/${method}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(input)
  })
  const body = (await res.json()) as { output?: T; error?: { message: string } }
  if (!res.ok || body.error) throw new Error(`${method}: ${body.error?.message ?? res.status}`)
  return body.output as T
}

export const ms = (x: number) => `${x.toFixed(1)} ms`

/** What src-renderer/src/state/perf.ts puts on the page's window. */
export interface PerfWindow {
  __workbenchPerf: {
    reset(): void
    pending(): number
    summary(kind?: string): { count: number; settledP50: number; settledP95: number; instantP50: number; instantP95: number }
  }
}

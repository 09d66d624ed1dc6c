/**
 * What the browser benches share: a real `workbench serve` on a temp workspace (found through the
 * URL it prints) and Chromium, set up and torn down around a bench; calls to the server's HTTP API
 * go through test/helpers/served-api.ts. Not a bench itself (no `.bench.ts`).
 */
import { execFileSync, spawn } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium, type Browser } from '@playwright/test'

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)))
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

/** Builds the renderer when `out/renderer` is missing (benches drive what `npm run build` ships). */
function ensureBuilt(): void {
  if (!existsSync(join(ROOT, 'out/renderer/index.html'))) {
    execFileSync(process.execPath, [join(ROOT, 'node_modules/electron-vite/bin/electron-vite.js'), 'build'], { cwd: ROOT, stdio: 'inherit' })
  }
}

interface ServedBench {
  url: string
  stop: () => Promise<void>
}

async function startServe(workspace: string): Promise<ServedBench> {
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

/**
 * Runs a browser bench against a built renderer, `workbench serve` on a temp workspace (its name
 * starts with `workspacePrefix`) and headless Chromium; all three are cleaned up when the bench
 * ends, and a bench that throws exits the process with 1.
 */
export function runBrowserBench(workspacePrefix: string, bench: (server: ServedBench, browser: Browser) => Promise<void>): void {
  const main = async (): Promise<void> => {
    ensureBuilt()
    const workspace = mkdtempSync(join(tmpdir(), workspacePrefix))
    const server = await startServe(workspace)
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'] })
    try {
      await bench(server, browser)
    } finally {
      await browser.close()
      await server.stop()
      rmSync(workspace, { recursive: true, force: true })
    }
  }
  main().catch((err) => {
    console.error(err)
    process.exit(1)
  })
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

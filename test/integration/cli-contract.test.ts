/**
 * The CLI as a client of the contract: in-process, watched from the host's side (every command's
 * work arrives through `host.call`, the contract's one gate, and the host knows it is talking to
 * the command line); and as a user runs it, `run --repeat` queued, served and waited for through
 * the contract alone.
 */
import { describe, it, expect, afterAll, vi } from 'vitest'
import { spawnSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { tempDir, REPO } from '../helpers/workspace'
import { WorkbenchHost } from '../../src-main/host/workbench-host'
import { main } from '../../src-main/cli/main'
import type { AppInfo } from '../../src-main/contract/api'

const tmp = tempDir('wb-cli-contract-')
afterAll(() => {
  vi.restoreAllMocks()
  tmp.remove()
})

describe('the command line as a front door', () => {
  it('calls the host through the contract, as front door "cli"', async () => {
    const calls: { method: string; frontDoor: AppInfo['frontDoor'] }[] = []
    const call = WorkbenchHost.prototype.call
    vi.spyOn(WorkbenchHost.prototype, 'call').mockImplementation(async function (this: WorkbenchHost, method: string, input: unknown) {
      const info = (await call.call(this, 'app.info', {})) as AppInfo
      calls.push({ method, frontDoor: info.frontDoor })
      return call.call(this, method, input)
    })
    const out: string[] = []
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => (out.push(String(chunk)), true))
    const ws = join(tmp.dir, 'ws')
    expect(await main(['settings', '--json', '--workspace', ws])).toBe(0)
    expect(await main(['runs', 'show', '7', '--workspace', ws])).toBe(2)
    vi.mocked(process.stdout.write).mockRestore()
    expect(calls).toEqual([
      { method: 'settings.get', frontDoor: 'cli' },
      { method: 'runs.get', frontDoor: 'cli' }
    ])
    expect(JSON.parse(out.join(''))).toMatchObject({ maxTrialsPerSearch: expect.any(Number) })
  })

  it('run --repeat 3 --json runs one trial per seed and reports each metric\'s mean and spread over them', () => {
    const file = join(tmp.dir, 'repeat.json')
    writeFileSync(
      file,
      JSON.stringify({
        name: 'repeat',
        dataset: { generator: 'helios-detection', params: { days: 2, seed: 4 } },
        split: { kind: 'time', trainFraction: 0.6 },
        model: { kind: 'iforest', params: { nEstimators: 30, seed: 7 } }
      })
    )
    const r = spawnSync(process.execPath, [join(REPO, 'bin/workbench.cjs'), 'run', file, '--repeat', '3', '--json', '--workspace', join(tmp.dir, 'ws-repeat')], {
      cwd: REPO,
      encoding: 'utf8',
      timeout: 180_000
    })
    expect(r.status, r.stderr).toBe(0)
    const out = JSON.parse(r.stdout)
    expect(out).toMatchObject({ repeat: 3, total: 3, counts: { done: 3, failed: 0 } })
    expect(out.groups).toHaveLength(1)
    expect(out.groups[0].seeds).toEqual([7, 8, 9])
    expect(new Set(out.groups[0].runIds).size).toBe(3)
    const f1 = out.groups[0].metrics.f1
    expect(f1.n).toBe(3)
    expect(f1.min).toBeLessThanOrEqual(f1.mean)
    expect(f1.mean).toBeLessThanOrEqual(f1.max)
  }, 200_000)
})

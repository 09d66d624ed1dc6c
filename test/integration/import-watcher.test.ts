/**
 * The watched import folder when the folder is not what it should be: a file standing where
 * `failed/` should be (an unwritable folder, whoever runs the test — root included), and
 * `imported/` on another file system (a rename across devices). The host must stay up, say what
 * went wrong, and keep importing. A throw in the watcher's fire-and-forget handling would be an
 * unhandled rejection, which fails this run.
 */
import { describe, it, expect, beforeAll, afterAll, afterEach, vi } from 'vitest'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { tmpdir } from 'node:os'
import { WorkbenchHost } from '../../src-main/host/workbench-host'
import { NodeWorkerLauncher } from '../../src-main/host/node-worker-launcher'
import { tempDir, until, EXPERIMENTS } from '../helpers/workspace'
import type { AppInfo, DatasetSummary } from '../../src-main/contract/api'

let tmp: ReturnType<typeof tempDir>
const hosts: WorkbenchHost[] = []
/** What the hosts wrote to stderr, their log. */
let log: string[] = []

beforeAll(() => {
  tmp = tempDir('wb-import-watch-')
  const write = process.stderr.write.bind(process.stderr)
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array, ...rest: unknown[]) => {
    log.push(String(chunk))
    return write(chunk as string, ...(rest as []))
  })
})
afterEach(async () => {
  for (const h of hosts.splice(0)) await h.close()
  log = []
})
afterAll(() => {
  vi.restoreAllMocks()
  tmp.remove()
})

function host(name: string): WorkbenchHost {
  const h = new WorkbenchHost({ workspaceDir: join(tmp.dir, name), launcher: new NodeWorkerLauncher(), frontDoor: 'web', experimentsDir: EXPERIMENTS, watchImportFolder: true })
  hosts.push(h)
  return h
}

/** A small labelled CSV; `seed` makes its content (and so its version) its own. */
function csv(seed: number): string {
  const rows = Array.from({ length: 30 }, (_, i) => `${1_704_067_200 + 60 * i},${(i * seed) % 11},${i % 10 === 0 ? 1 : 0}`)
  return ['ts,x,label', ...rows].join('\n') + '\n'
}

const logged = (pattern: RegExp) => log.some((line) => pattern.test(line))

describe('the watched import folder', () => {
  it('survives a file where failed/ should be: reports the problem, leaves the file, keeps importing', async () => {
    const ws = join(tmp.dir, 'blocked')
    mkdirSync(join(ws, 'import'), { recursive: true })
    writeFileSync(join(ws, 'import', 'failed'), 'not a folder\n')
    const h = host('blocked')
    expect(logged(/import folder: .*failed cannot be made/)).toBe(true)

    writeFileSync(join(ws, 'import', 'broken.csv'), 'timestamp,a,b\n2024-01-01T00:00:00Z,1,2\n2024-01-01T00:01:00Z,1\n')
    await until(() => logged(/broken\.csv could not be imported .*cannot be moved to .*failed/), 30_000, 'the host to report that broken.csv cannot be moved')
    expect(log.find((l) => l.includes('broken.csv could not be imported'))).toMatch(/broken\.csv:3/)
    expect(existsSync(join(ws, 'import', 'broken.csv'))).toBe(true)
    expect(statSync(join(ws, 'import', 'failed')).isFile()).toBe(true)

    // Still up: it answers, and the next good file is imported and moved as usual.
    expect(((await h.call('app.info', {})) as AppInfo).workspace).toBe(ws)
    writeFileSync(join(ws, 'import', 'good.csv'), csv(3))
    await until(() => existsSync(join(ws, 'import', 'imported', 'good.csv')), 30_000, 'good.csv to be imported')
    const list = (await h.call('datasets.list', {})) as DatasetSummary[]
    expect(list.some((d) => (d.params.files as string[] | undefined)?.includes('good.csv'))).toBe(true)
  })

  // /dev/shm is a tmpfs on Linux: a rename from the temporary folder into it crosses devices.
  const otherDevice = existsSync('/dev/shm') && statSync('/dev/shm').dev !== statSync(tmpdir()).dev
  it.skipIf(!otherDevice)('moves an imported file into imported/ on another file system (EXDEV: copy, then delete)', async () => {
    const ws = join(tmp.dir, 'cross')
    const elsewhere = mkdtempSync('/dev/shm/wb-imported-')
    try {
      mkdirSync(join(ws, 'import'), { recursive: true })
      symlinkSync(elsewhere, join(ws, 'import', 'imported'))
      host('cross')
      writeFileSync(join(ws, 'import', 'across.csv'), csv(5))
      await until(() => existsSync(join(elsewhere, 'across.csv')), 30_000, 'across.csv to be moved to the other file system')
      expect(existsSync(join(ws, 'import', 'across.csv'))).toBe(false)
      expect(readdirSync(elsewhere)).toEqual(['across.csv'])
      expect(logged(/cannot be moved/)).toBe(false)
    } finally {
      rmSync(elsewhere, { recursive: true, force: true })
    }
  })
})

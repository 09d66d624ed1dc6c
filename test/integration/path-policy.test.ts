/**
 * File paths through the API are confined (issue 9, item 8): a real host, over its one contract,
 * refuses to read or write outside the workspace, the bundle library and the shared folder until
 * the user allows a folder; symbolic links are followed before the check; relative paths are
 * refused; paths given on the command line are allowed.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { WorkbenchHost } from '../../src-main/host/workbench-host'
import { NodeWorkerLauncher } from '../../src-main/host/node-worker-launcher'
import { tempDir, EXPERIMENTS } from '../helpers/workspace'
import type { Settings } from '../../src-main/contract/api'

let tmp: ReturnType<typeof tempDir>
let host: WorkbenchHost
let ws: string
/** A folder outside every allowed root. */
let outside: string
let datasetId: string
const jobs: string[] = []

function makeHost(workspaceDir: string, extra: Partial<ConstructorParameters<typeof WorkbenchHost>[0]> = {}): WorkbenchHost {
  return new WorkbenchHost({
    workspaceDir,
    launcher: new NodeWorkerLauncher(),
    frontDoor: 'web',
    experimentsDir: EXPERIMENTS,
    ...extra
  })
}

beforeAll(async () => {
  tmp = tempDir('wb-paths-')
  ws = join(tmp.dir, 'ws')
  outside = join(tmp.dir, 'outside')
  mkdirSync(outside, { recursive: true })
  host = makeHost(ws)
  host.onEvent((name) => {
    if (name === 'dataset.job') jobs.push(name)
  })
  const { jobId } = (await host.call('datasets.generate', { scenario: 'helios-detection', params: { days: 2, seed: 4 } })) as { jobId: string }
  const outcome = await host.jobs.waitFor(jobId)
  expect(outcome.error).toBeNull()
  datasetId = outcome.dataset!.id
})
afterAll(async () => {
  await host.close()
  tmp.remove()
})

describe('file paths through the API', () => {
  it('refuses to import /etc/passwd, naming the path, and starts no job', async () => {
    const before = jobs.length
    await expect(host.call('datasets.import', { files: ['/etc/passwd'], options: {} })).rejects.toMatchObject({
      code: 'forbidden',
      path: 'files.0',
      message: expect.stringMatching(/^\/etc\/passwd is outside the folders this workbench may use \(workspace .*\); allow its folder first$/)
    })
    // A refused file among allowed ones refuses the whole call.
    const ok = join(ws, 'import', 'fine.csv')
    mkdirSync(join(ws, 'import'), { recursive: true })
    writeFileSync(ok, 'timestamp,a\n2024-01-01T00:00:00Z,1\n')
    await expect(host.call('datasets.import', { files: [ok, '/etc/passwd'], options: {} })).rejects.toMatchObject({ code: 'forbidden', path: 'files.1' })
    expect(jobs.length).toBe(before)
  })

  it('refuses an export outside the allowed folders and writes nothing', async () => {
    const target = join(outside, 'out.csv')
    await expect(host.call('datasets.export', { id: datasetId, path: target })).rejects.toMatchObject({ code: 'forbidden', path: 'path' })
    expect(existsSync(target)).toBe(false)
    // Inside the workspace it is written.
    const inside = join(ws, 'exports', 'out.csv')
    mkdirSync(join(ws, 'exports'), { recursive: true })
    expect(await host.call('datasets.export', { id: datasetId, path: inside })).toMatchObject({ path: inside, rows: 576 })
  })

  it('refuses relative paths instead of resolving them against the server working directory', async () => {
    await expect(host.call('datasets.export', { id: datasetId, path: 'out.csv' })).rejects.toMatchObject({ code: 'bad_input', message: expect.stringMatching(/relative path/) })
    expect(existsSync(join(process.cwd(), 'out.csv'))).toBe(false)
    await expect(host.call('bundles.verify', { dir: '../bundle' })).rejects.toMatchObject({ code: 'bad_input', path: 'dir' })
  })

  it('refuses a bundlesDir or sharedDir outside, keeps the settings, and creates no folder', async () => {
    const before = (await host.call('settings.get', {})) as Settings
    await expect(host.call('settings.set', { bundlesDir: join(outside, 'lib') })).rejects.toMatchObject({ code: 'forbidden', path: 'bundlesDir' })
    await expect(host.call('settings.set', { sharedDir: join(outside, 'team'), bundlesDir: join(ws, 'lib2') })).rejects.toMatchObject({ code: 'forbidden', path: 'sharedDir' })
    expect(await host.call('settings.get', {})).toEqual(before)
    expect(existsSync(join(outside, 'lib'))).toBe(false)
    // Clearing a folder is always allowed.
    expect(await host.call('settings.set', { sharedDir: null })).toMatchObject({ sharedDir: null })
  })

  it('refuses to verify, import or evaluate a bundle folder outside', async () => {
    const dir = join(outside, 'some-bundle')
    mkdirSync(dir, { recursive: true })
    for (const method of ['bundles.verify', 'bundles.import'] as const) {
      await expect(host.call(method, { dir })).rejects.toMatchObject({ code: 'forbidden', path: 'dir' })
    }
    await expect(host.call('bundles.evaluate', { dir, datasetId })).rejects.toMatchObject({ code: 'forbidden', path: 'dir' })
  })

  it('a symbolic link inside the workspace that points outside is refused', async () => {
    const secret = join(outside, 'secret.csv')
    writeFileSync(secret, 'timestamp,password\n2024-01-01T00:00:00Z,hunter2\n')
    symlinkSync(secret, join(ws, 'import', 'innocent.csv'))
    await expect(host.call('datasets.import', { files: [join(ws, 'import', 'innocent.csv')], options: {} })).rejects.toMatchObject({
      code: 'forbidden',
      message: expect.stringContaining(`a symbolic link to ${secret}`)
    })
    // A linked folder: a new file under it would land outside.
    symlinkSync(outside, join(ws, 'linked'))
    await expect(host.call('datasets.export', { id: datasetId, path: join(ws, 'linked', 'x.csv') })).rejects.toMatchObject({ code: 'forbidden' })
    expect(existsSync(join(outside, 'x.csv'))).toBe(false)
    await expect(host.call('settings.set', { bundlesDir: join(ws, 'linked', 'lib') })).rejects.toMatchObject({ code: 'forbidden' })
  })

  it('paths.allow refuses a relative path, a missing folder, a file and the file-system root', async () => {
    await expect(host.call('paths.allow', { folder: 'outside' })).rejects.toMatchObject({ code: 'bad_input', path: 'folder' })
    await expect(host.call('paths.allow', { folder: join(outside, 'nope') })).rejects.toMatchObject({ code: 'not_found' })
    await expect(host.call('paths.allow', { folder: join(outside, 'secret.csv') })).rejects.toMatchObject({ code: 'bad_input', message: expect.stringMatching(/not a folder/) })
    await expect(host.call('paths.allow', { folder: '/' })).rejects.toMatchObject({ code: 'bad_input', message: expect.stringMatching(/root of the file system/) })
    await expect(host.call('datasets.export', { id: datasetId, path: join(outside, 'out.csv') })).rejects.toMatchObject({ code: 'forbidden' })
  })

  it('after the folder is allowed, export, import and bundlesDir there succeed', async () => {
    expect(await host.call('paths.allow', { folder: outside })).toEqual({ folder: outside })
    const target = join(outside, 'out.csv')
    expect(await host.call('datasets.export', { id: datasetId, path: target })).toMatchObject({ rows: 576 })
    expect(readFileSync(target, 'utf8').split('\n')[0]).toMatch(/^timestamp,/)
    const { jobId } = (await host.call('datasets.import', { files: [target], options: {} })) as { jobId: string }
    expect((await host.jobs.waitFor(jobId)).error).toBeNull()
    expect(await host.call('settings.set', { bundlesDir: join(outside, 'lib') })).toMatchObject({ bundlesDir: join(outside, 'lib') })
    // The grant covers that folder only.
    await expect(host.call('datasets.import', { files: ['/etc/passwd'], options: {} })).rejects.toMatchObject({ code: 'forbidden' })
  })

  it('a folder declined in the desktop confirmation dialog is not allowed', async () => {
    const asked: string[] = []
    const desk = makeHost(join(tmp.dir, 'ws-desk'), { frontDoor: 'electron', confirmFolder: async (f) => (asked.push(f), false) })
    try {
      await expect(desk.call('paths.allow', { folder: outside })).rejects.toMatchObject({ code: 'forbidden', message: expect.stringMatching(/declined/) })
      expect(asked).toEqual([outside])
      await expect(desk.call('bundles.verify', { dir: outside })).rejects.toMatchObject({ code: 'forbidden' })
    } finally {
      await desk.close()
    }
  })

  it('a path picked in the desktop file dialog (paths.pick) is allowed without a further question, only that one; a browser host has no dialog and says so', async () => {
    // The operating system's dialog cannot be driven here: what it answers is stood in for; the
    // host's handling of the answer is the real one (main.ts passes dialog.showOpenDialog's paths).
    const pickedFolder = join(tmp.dir, 'picked')
    mkdirSync(pickedFolder, { recursive: true })
    writeFileSync(join(pickedFolder, 'pump.csv'), 'time,flow,anomaly\n' + Array.from({ length: 30 }, (_, i) => `${i * 60},${i % 7},${i === 20 ? 1 : 0}`).join('\n') + '\n')
    const requests: unknown[] = []
    const desk = makeHost(join(tmp.dir, 'ws-pick'), { frontDoor: 'electron', pickPaths: async (r) => (requests.push(r), r.kind === 'folder' ? [pickedFolder] : []) })
    try {
      await expect(desk.call('datasets.preview', { files: [pickedFolder] })).rejects.toMatchObject({ code: 'forbidden' })
      // Cancelled: nothing picked, nothing allowed.
      expect(await desk.call('paths.pick', { kind: 'files', title: 'Files to import' })).toEqual({ paths: [] })
      expect(await desk.call('paths.pick', { kind: 'folder', title: 'A folder to import' })).toEqual({ paths: [pickedFolder] })
      expect(requests).toEqual([{ kind: 'files', title: 'Files to import' }, { kind: 'folder', title: 'A folder to import' }])
      const preview = (await desk.call('datasets.preview', { files: [pickedFolder] })) as { fileCount: number }
      expect(preview.fileCount).toBe(1)
      // The grant is the picked folder, not its neighbours.
      await expect(desk.call('datasets.preview', { files: [join(outside, 'secret.csv')] })).rejects.toMatchObject({ code: 'forbidden' })
    } finally {
      await desk.close()
    }
    await expect(host.call('paths.pick', { kind: 'folder', title: 'x' })).rejects.toMatchObject({ code: 'bad_input', message: expect.stringMatching(/needs the desktop app/) })
  })

  it('paths given on the command line are allowed (HostOptions.allowedPaths), and only those', async () => {
    const file = join(outside, 'out.csv')
    const cli = makeHost(join(tmp.dir, 'ws-cli'), { allowedPaths: [file] })
    try {
      const { jobId } = (await cli.call('datasets.import', { files: [file], options: {} })) as { jobId: string }
      expect((await cli.jobs.waitFor(jobId)).error).toBeNull()
      await expect(cli.call('datasets.import', { files: [join(outside, 'secret.csv')], options: {} })).rejects.toMatchObject({ code: 'forbidden' })
    } finally {
      await cli.close()
    }
  })
})

/**
 * Electron fuses (issue 9, item 11). The Electron binary is not on every machine, so the fuse
 * script is run on a stand-in: a file holding the fuse sentinel and a wire of fuses all enabled,
 * exactly the layout @electron/fuses looks for in a real binary.
 */
import { describe, it, expect, afterEach } from 'vitest'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { getCurrentFuseWire, FuseV1Options, FuseState } from '@electron/fuses'
import { applyFuses } from '../../scripts/electron-fuses'

const SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX'
let dir: string | null = null
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true })
  dir = null
})

/** A stand-in executable: some bytes, the sentinel, wire version 1, `fuses` fuses all enabled, more bytes. */
function fakeElectron(fuses: number): string {
  dir = mkdtempSync(join(tmpdir(), 'wb-fuses-'))
  const file = join(dir, 'electron')
  writeFileSync(file, Buffer.concat([Buffer.alloc(4096, 7), Buffer.from(SENTINEL), Buffer.from([1, fuses]), Buffer.alloc(fuses, FuseState.ENABLE), Buffer.alloc(4096, 7)]))
  return file
}

describe('electron fuses', () => {
  it('switch off run-as-node, NODE_OPTIONS and --inspect, and load the app only from a checked app.asar', async () => {
    const exe = fakeElectron(Object.keys(FuseV1Options).length / 2)
    await applyFuses(exe)
    const wire = await getCurrentFuseWire(exe)
    expect(wire[FuseV1Options.RunAsNode]).toBe(FuseState.DISABLE)
    expect(wire[FuseV1Options.EnableNodeOptionsEnvironmentVariable]).toBe(FuseState.DISABLE)
    expect(wire[FuseV1Options.EnableNodeCliInspectArguments]).toBe(FuseState.DISABLE)
    expect(wire[FuseV1Options.LoadBrowserProcessSpecificV8Snapshot]).toBe(FuseState.DISABLE)
    expect(wire[FuseV1Options.EnableEmbeddedAsarIntegrityValidation]).toBe(FuseState.ENABLE)
    expect(wire[FuseV1Options.OnlyLoadAppFromAsar]).toBe(FuseState.ENABLE)
    expect(wire[FuseV1Options.EnableCookieEncryption]).toBe(FuseState.ENABLE)
    expect(wire[FuseV1Options.GrantFileProtocolExtraPrivileges]).toBe(FuseState.ENABLE)
  })

  it('refuses a binary whose fuse wire has a fuse the config does not decide on', async () => {
    const exe = fakeElectron(Object.keys(FuseV1Options).length / 2 + 1)
    await expect(applyFuses(exe)).rejects.toThrow(/strictlyRequireAllFuses/)
  })
})

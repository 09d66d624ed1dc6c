/**
 * Whether the Electron binary is on this machine. `nodeRequire('electron')` would try to download it
 * (and throw offline), so this looks for it the way the electron package's index.js does.
 */
import { createRequire } from 'node:module'
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'

const nodeRequire = createRequire(import.meta.url)

export interface ElectronBinaryStatus {
  version: string | null
  binaryPresent: boolean
  /** The executable's path when present, otherwise why it is not. */
  detail: string
}

/** Electron's binary is fetched lazily by `nodeRequire('electron')`: look for it without requiring. */
export function electronBinaryStatus(): ElectronBinaryStatus {
  const version = electronPackageVersion()
  if (!version) return { version: null, binaryPresent: false, detail: 'the electron package is not installed' }
  const dir = dirname(nodeRequire.resolve('electron/package.json'))
  const pathFile = join(dir, 'path.txt')
  if (process.env.ELECTRON_OVERRIDE_DIST_PATH) {
    // As electron/index.js: the override is a folder holding the executable.
    const exe = join(process.env.ELECTRON_OVERRIDE_DIST_PATH, process.platform === 'win32' ? 'electron.exe' : process.platform === 'darwin' ? 'Electron.app/Contents/MacOS/Electron' : 'electron')
    return existsSync(exe)
      ? { version, binaryPresent: true, detail: exe }
      : { version, binaryPresent: false, detail: `ELECTRON_OVERRIDE_DIST_PATH names no executable: ${exe} is missing` }
  }
  if (!existsSync(pathFile)) {
    return {
      version,
      binaryPresent: false,
      detail: 'the Electron binary was not downloaded (it is fetched from outside the npm registry on first use); use `npm run serve` for the browser UI'
    }
  }
  const exe = join(dir, 'dist', readFileSync(pathFile, 'utf8').trim())
  return existsSync(exe)
    ? { version, binaryPresent: true, detail: exe }
    : { version, binaryPresent: false, detail: `path.txt names ${exe}, which is missing` }
}

function electronPackageVersion(): string | null {
  try {
    return (JSON.parse(readFileSync(nodeRequire.resolve('electron/package.json'), 'utf8')) as { version: string }).version
  } catch {
    return null
  }
}

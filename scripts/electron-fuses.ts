/**
 * Electron fuses for a packaged Anomaly Workbench: bits in the Electron binary, flipped at
 * package time (before code signing), that switch off ways to run the app as something else.
 *
 * This project does not package the desktop app yet (`npm start` runs the unpackaged app with the
 * npm package's Electron, whose binary must stay as it is: Playwright drives it with --inspect).
 * A packaging step applies these fuses to the binary it ships, either by running
 *   node scripts/electron-fuses.ts <path to the packaged executable, or the .app on macOS>
 * or with `afterPack` below as electron-builder's afterPack hook. The packaged app must use an
 * app.asar (OnlyLoadAppFromAsar) with the native modules (better-sqlite3, onnxruntime-node)
 * unpacked.
 */
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { flipFuses, FuseV1Options, FuseVersion, type FuseV1Config } from '@electron/fuses'

export const FUSES = {
  version: FuseVersion.V1,
  // Fail the packaging when an Electron upgrade adds a fuse nobody has decided on yet.
  strictlyRequireAllFuses: true,
  // Workers are utility processes: nothing needs ELECTRON_RUN_AS_NODE, which would turn the
  // signed app into a plain Node that runs any script.
  [FuseV1Options.RunAsNode]: false,
  [FuseV1Options.EnableCookieEncryption]: true,
  // NODE_OPTIONS (--require a script) and --inspect would let anyone run code in the main process.
  [FuseV1Options.EnableNodeOptionsEnvironmentVariable]: false,
  [FuseV1Options.EnableNodeCliInspectArguments]: false,
  // Load the app only from app.asar, and check that archive against the hash in the binary.
  [FuseV1Options.EnableEmbeddedAsarIntegrityValidation]: true,
  [FuseV1Options.OnlyLoadAppFromAsar]: true,
  // No custom V8 snapshot ships with the app.
  [FuseV1Options.LoadBrowserProcessSpecificV8Snapshot]: false,
  // Kept: the window loads index.html from file://, whose `<script type="module">` Chromium
  // loads only with Electron's extra file:// privileges (a plain browser refuses it: origin null).
  // Turning this off needs the renderer served from a custom protocol first.
  [FuseV1Options.GrantFileProtocolExtraPrivileges]: true,
  // Electron's default: WebAssembly bounds checks through signal handlers (the fast path).
  [FuseV1Options.WasmTrapHandlers]: true
} satisfies FuseV1Config

/** Flips the fuses in a packaged Electron executable (or a macOS .app); resolves when written. */
export async function applyFuses(executable: string, opts: { resetAdHocDarwinSignature?: boolean } = {}): Promise<void> {
  await flipFuses(executable, { ...FUSES, ...opts })
}

/** electron-builder's afterPack hook: the packaged executable is in appOutDir. */
export async function afterPack(context: { appOutDir: string; electronPlatformName: string; packager: { appInfo: { productFilename: string } } }): Promise<void> {
  const name = context.packager.appInfo.productFilename
  const executable =
    context.electronPlatformName === 'darwin' || context.electronPlatformName === 'mas'
      ? join(context.appOutDir, `${name}.app`)
      : join(context.appOutDir, context.electronPlatformName === 'win32' ? `${name}.exe` : name)
  // arm64 macOS refuses a binary whose ad-hoc signature no longer matches: sign it ad hoc again
  // (harmless on Intel; the real signing step comes after this hook).
  await applyFuses(executable, { resetAdHocDarwinSignature: context.electronPlatformName === 'darwin' })
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const target = process.argv[2]
  if (!target) {
    console.error('usage: node scripts/electron-fuses.ts <packaged Electron executable or .app>')
    process.exit(2)
  }
  await applyFuses(target)
  console.log(`fuses set in ${target}`)
}

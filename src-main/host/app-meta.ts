/** Where the app lives and what it is: version, app root, default folders. */
import { homedir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import pkg from '../../package.json' with { type: 'json' }
import type { DoctorReport } from '../contract/api'

export const WORKBENCH_VERSION: string = pkg.version
export const PRODUCT_NAME = 'Anomaly Workbench'

/**
 * The repository / app root. This module sits two folders below it both as source
 * (src-main/host/) and bundled (out/main/), so one relative URL serves both.
 */
export const APP_ROOT = fileURLToPath(new URL('../../', import.meta.url))

/** Where `npm run build` writes the Node bundle: the Electron main process, the CLI and the workers. */
export const BUNDLE_DIR = join(APP_ROOT, 'out', 'main')

/**
 * How the workbench's own code runs: from the bundle in out/main on plain Node (what users run), or
 * from the TypeScript sources through tsx's loader (development: bin/workbench.cjs falls back to
 * them while the bundle is missing or older than the sources). Workers run the way their host does.
 */
export const CODE_FROM: DoctorReport['code']['from'] = import.meta.url.endsWith('.ts') ? 'sources' : 'bundle'

export const DEFAULT_EXPERIMENTS_DIR = join(APP_ROOT, 'experiments')

/**
 * Electron's userData folder for this product, computed without Electron so that the CLI, the
 * web host and the desktop app share one workspace by default.
 */
export function defaultWorkspaceDir(): string {
  if (process.env.WORKBENCH_WORKSPACE) return process.env.WORKBENCH_WORKSPACE
  switch (process.platform) {
    case 'darwin':
      return join(homedir(), 'Library', 'Application Support', PRODUCT_NAME)
    case 'win32':
      return join(process.env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), PRODUCT_NAME)
    default:
      return join(process.env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), PRODUCT_NAME)
  }
}

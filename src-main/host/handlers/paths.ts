/**
 * Folders the API may use beyond the workspace and bundle folders: allowed after the user's
 * confirmation (the desktop app asks again natively), or picked in a native dialog.
 */
import { ApiError, type MethodInput } from '../../contract/api'
import type { Handlers } from '../dispatch'
import type { PathPolicy } from '../path-policy'

export interface PathDialogs {
  /** Asks the user, outside the page, whether a folder may be allowed (see HostOptions.confirmFolder). */
  confirmFolder?: (folder: string) => Promise<boolean>
  /** A native file dialog (see HostOptions.pickPaths). */
  pickPaths?: (request: MethodInput<'paths.pick'>) => Promise<string[]>
}

export function pathsHandlers(s: { paths: PathPolicy } & PathDialogs): Pick<Handlers, 'paths.allow' | 'paths.pick'> {
  return {
    'paths.allow': async ({ folder }) => {
      const real = s.paths.grantableFolder(folder)
      if (s.confirmFolder && !(await s.confirmFolder(real))) throw new ApiError('forbidden', `${real} was not allowed (declined in the confirmation dialog)`, 'folder')
      return { folder: s.paths.grant(real) }
    },
    'paths.pick': async (request) => {
      if (!s.pickPaths) throw new ApiError('bad_input', 'choosing a path in a dialog needs the desktop app: type the path instead', 'kind')
      return { paths: (await s.pickPaths(request)).map((p) => s.paths.grant(p)) }
    }
  }
}

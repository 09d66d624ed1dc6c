/** Workspace settings: the bundle folders (checked by the path policy) and the search size limit. */
import type { MethodOutput } from '../../contract/api'
import type { Handlers } from '../dispatch'
import type { QueueService } from '../queue-service'
import type { BundlesService } from '../bundles-service'
import type { PathPolicy } from '../path-policy'

export function settingsHandlers(s: { queue: QueueService; bundles: BundlesService; paths: PathPolicy }): Pick<Handlers, 'settings.get' | 'settings.set'> {
  const current = (): MethodOutput<'settings.get'> => ({ ...s.bundles.settings(), maxTrialsPerSearch: s.queue.maxTrialsPerSearch() })
  return {
    'settings.get': current,
    'settings.set': (input) => {
      if (input.maxTrialsPerSearch !== undefined) s.queue.setMaxTrialsPerSearch(input.maxTrialsPerSearch)
      s.bundles.setSettings({
        ...(input.sharedDir !== undefined ? { sharedDir: input.sharedDir && s.paths.check(input.sharedDir, 'sharedDir') } : {}),
        ...(input.bundlesDir !== undefined ? { bundlesDir: input.bundlesDir && s.paths.check(input.bundlesDir, 'bundlesDir') } : {})
      })
      return current()
    }
  }
}

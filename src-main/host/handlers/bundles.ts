/**
 * Model bundles: list, export (progress as `bundle.export` events), verify, import, score a file,
 * evaluate on a stored version. Every path a caller gives is checked by the path policy first.
 */
import type { Handlers } from '../dispatch'
import type { BundlesService } from '../bundles-service'
import type { PathPolicy } from '../path-policy'
import type { Emit } from '../host-events'

type BundleMethods = 'bundles.list' | 'bundles.export' | 'bundles.verify' | 'bundles.import' | 'bundles.evaluate' | 'bundles.score'

export function bundlesHandlers(s: { bundles: BundlesService; paths: PathPolicy; emit: Emit }): Pick<Handlers, BundleMethods> {
  return {
    'bundles.list': () => s.bundles.list(),
    'bundles.export': ({ runId, to, name }) => {
      const where = to === undefined || to === 'local' || to === 'shared' ? to : s.paths.check(to, 'to')
      return s.bundles.export(runId, { to: where, name }, (fraction, message) => s.emit('bundle.export', { runId, fraction, message }))
    },
    'bundles.verify': async ({ dir }) => {
      const r = await s.bundles.verify(s.paths.check(dir, 'dir'))
      return { ok: r.ok, problem: r.problem, maxAbsDiff: r.maxAbsDiff, manifest: r.manifest }
    },
    'bundles.import': ({ dir }) => s.bundles.import(s.paths.check(dir, 'dir')),
    'bundles.score': ({ dir, file }) => s.bundles.score(s.paths.check(dir, 'dir'), s.paths.check(file, 'file')),
    'bundles.evaluate': ({ dir, datasetId }) => s.bundles.evaluate(s.paths.check(dir, 'dir'), datasetId)
  }
}

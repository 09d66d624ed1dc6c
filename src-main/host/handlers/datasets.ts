/**
 * Dataset versions: scenarios to generate, generate and import jobs (progress as `dataset.job`
 * events), previews, the editor's views, roles and label edits saved as child versions
 * (`datasets.changed`), CSV export. Every path a caller gives is checked by the path policy.
 */
import { ApiError } from '../../contract/api'
import type { Handlers } from '../dispatch'
import type { DatasetsService } from '../datasets-service'
import type { DatasetJobs } from '../dataset-jobs'
import type { PathPolicy } from '../path-policy'
import type { UploadStaging } from '../upload-staging'
import type { Emit } from '../host-events'
import { scenarios } from '../../core/data/scenarios'

type DatasetMethods =
  | 'scenarios.list'
  | 'datasets.list'
  | 'datasets.get'
  | 'datasets.generate'
  | 'datasets.import'
  | 'datasets.preview'
  | 'datasets.saveRoles'
  | 'datasets.window'
  | 'datasets.ranges'
  | 'datasets.histograms'
  | 'datasets.saveLabels'
  | 'datasets.export'

export function datasetsHandlers(s: { datasets: DatasetsService; jobs: DatasetJobs; paths: PathPolicy; staging: UploadStaging; emit: Emit }): Pick<Handlers, DatasetMethods> {
  /** A version saved from an edit: announced when it is new. */
  const saved = (r: { id: string; created: boolean }) => {
    if (r.created) s.emit('datasets.changed', { id: r.id })
    return { id: r.id, created: r.created }
  }
  return {
    'scenarios.list': () =>
      Object.values(scenarios).map((sc) => ({ id: sc.id, title: sc.title, seed: sc.seed, description: sc.description, defaults: { ...sc.defaults } })),
    'datasets.list': () => s.datasets.list(),
    'datasets.get': ({ id }) => s.datasets.get(id),
    'datasets.generate': ({ scenario, params }) => {
      const def = (scenarios as Record<string, (typeof scenarios)[keyof typeof scenarios]>)[scenario]
      if (!def) throw new ApiError('bad_input', `unknown scenario '${scenario}' (known: ${Object.keys(scenarios).join(', ')})`, 'scenario')
      const parsed = def.paramsSchema.safeParse(params)
      if (!parsed.success) {
        const i = parsed.error.issues[0]
        throw new ApiError('bad_input', `params.${i.path.join('.')}: ${i.message}`, `params.${i.path.join('.')}`)
      }
      return { jobId: s.jobs.start({ kind: 'generate', scenario, params }) }
    },
    'datasets.import': ({ files, options }) => {
      const checked = files.map((f, i) => s.paths.check(f, `files.${i}`))
      const jobId = s.jobs.start({ kind: 'import', files: checked, options })
      // Uploaded files are staged for this import only: gone once it ended, stored or not.
      s.staging.releaseAfter(checked, s.jobs.waitFor(jobId))
      return { jobId }
    },
    'datasets.preview': ({ files, options }) => s.datasets.preview(files.map((f, i) => s.paths.check(f, `files.${i}`)), options),
    'datasets.saveRoles': ({ id, roles, note }) => saved(s.datasets.saveRoles(id, roles, note)),
    'datasets.window': (req) => s.datasets.window(req),
    'datasets.ranges': (req) => s.datasets.ranges(req),
    'datasets.histograms': ({ id, bins }) => s.datasets.histograms(id, bins),
    'datasets.saveLabels': ({ id, edits, note }) => saved(s.datasets.saveLabels(id, edits, note)),
    'datasets.export': ({ id, path }) => s.datasets.export(id, s.paths.check(path, 'path'))
  }
}

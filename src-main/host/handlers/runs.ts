/** Runs as stored: the list, one run's detail, a split's scores, cancelling one. */
import { ApiError } from '../../contract/api'
import type { Handlers } from '../dispatch'
import type { RunViews } from '../run-views'
import type { DatasetsService } from '../datasets-service'
import type { Scheduler } from '../../core/search/scheduler'
import { splitEpisodes } from '../../core/eval/split-episodes'

export function runsHandlers(s: { views: RunViews; datasets: DatasetsService; scheduler: Scheduler }): Pick<Handlers, 'runs.list' | 'runs.get' | 'runs.scores' | 'runs.cancel'> {
  return {
    'runs.list': () => s.views.list(),
    'runs.get': ({ id }) => s.views.detail(id),
    'runs.scores': ({ id, split, episodes }) => {
      const scores = s.views.scores(id, split)
      if (!episodes || !scores.starts || scores.windowLength === null || !scores.datasetId) return { ...scores, episodes: null }
      return { ...scores, episodes: splitEpisodes(s.datasets.series(scores.datasetId), scores.starts, scores.windowLength).index }
    },
    'runs.cancel': ({ id }) => {
      if (!s.views.summaryOf(id)) throw new ApiError('not_found', `run ${id} not found`)
      return { cancelled: s.scheduler.cancelRun(id) }
    }
  }
}

/**
 * The trial queue: the experiments folder, queuing a spec (or starting its one run), waiting for
 * a search to end, pause, resume, cancel, retry and priorities. `queue.changed` and `run.changed`
 * events tell what moved.
 */
import type { ExperimentSpec } from '../../core/search/spec'
import { parseSpec } from '../../core/search/spec'
import type { Scheduler } from '../../core/search/scheduler'
import type { Handlers } from '../dispatch'
import type { QueueService } from '../queue-service'
import type { ExperimentsCatalog } from '../experiments-catalog'

type QueueMethods =
  | 'experiments.list'
  | 'experiments.queue'
  | 'runs.start'
  | 'queue.list'
  | 'queue.leaderboard'
  | 'queue.wait'
  | 'queue.pause'
  | 'queue.resume'
  | 'queue.cancelExperiment'
  | 'queue.cancelTrial'
  | 'queue.retry'
  | 'queue.setPriority'

export function queueHandlers(s: { catalog: ExperimentsCatalog; queue: QueueService; scheduler: Scheduler }): Pick<Handlers, QueueMethods> {
  /** A spec from the experiments folder or given inline, and what to record as its source. */
  const specOf = (input: { file: string } | { spec: unknown; source?: string }): { spec: ExperimentSpec; source: string | null } =>
    'file' in input ? { spec: s.catalog.load(input.file), source: input.file } : { spec: parseSpec(input.spec, input.source), source: input.source ?? null }
  return {
    'experiments.list': () => s.catalog.list(),
    'runs.start': (input) => {
      const { spec, source } = specOf(input)
      return s.queue.startOne(spec, source)
    },
    'experiments.queue': async (input) => {
      const { spec, source } = specOf(input)
      const r = await s.queue.enqueue(spec, source, { focus: input.focus })
      return { experimentId: r.experimentId, total: r.total, added: r.added, alreadyDone: r.alreadyDone, runIds: r.runIds, trialIds: r.trialIds }
    },
    'queue.list': () => s.queue.list(),
    'queue.leaderboard': ({ experimentId, rankBy }) => s.queue.leaderboard(experimentId, rankBy),
    'queue.wait': ({ experimentId }) => s.queue.wait(experimentId),
    'queue.pause': ({ experimentId }) => {
      s.queue.experiment(experimentId)
      s.scheduler.pause(experimentId)
      return { ok: true }
    },
    'queue.resume': ({ experimentId }) => {
      s.queue.experiment(experimentId)
      s.scheduler.resume(experimentId)
      return { ok: true }
    },
    'queue.cancelExperiment': ({ experimentId }) => {
      s.queue.experiment(experimentId)
      return { cancelled: s.scheduler.cancelExperiment(experimentId) }
    },
    'queue.cancelTrial': ({ trialId }) => {
      s.queue.needTrial(trialId)
      return { ok: s.scheduler.cancelTrial(trialId) }
    },
    'queue.retry': ({ experimentId, includeCancelled }) => {
      s.queue.experiment(experimentId)
      return { requeued: s.scheduler.retry(experimentId, includeCancelled) }
    },
    'queue.setPriority': (input) => {
      if ('trialId' in input) {
        s.queue.needTrial(input.trialId)
        s.scheduler.setTrialPriority(input.trialId, input.priority)
      } else {
        s.queue.experiment(input.experimentId)
        s.scheduler.setExperimentPriority(input.experimentId, input.priority)
      }
      return { ok: true }
    }
  }
}

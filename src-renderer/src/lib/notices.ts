/**
 * What deserves a notification, from the host's events: a run failing, a run meeting its targets,
 * a search finishing (its last queued or running trial ended), a bundle arriving in the shared
 * folder. Pure: state/notifications.svelte.ts feeds it the events and shows what it returns.
 */
import type { BundleInfo, QueuedExperiment, RunSummary } from '../../../src-main/contract/api'
import type { Route } from './routes'

export interface Notice {
  /** good: something worked out; bad: something failed; info: something new. */
  tone: 'good' | 'bad' | 'info'
  title: string
  body: string
  /** Where a click on it goes. */
  route: Route
}

/** What a run was when last seen (its status and whether its targets were met). */
export type RunSeen = Pick<RunSummary, 'status' | 'targetsMet'>

/**
 * The notice a run's change deserves, given how it was before (undefined: never seen): failing,
 * or finishing with every target met; each once.
 * @example runNotice({ status: 'running', targetsMet: null }, { id: 3, experimentName: 'x', status: 'failed', statusReason: 'out of memory', targetsMet: null }).title // "Run 3 failed"
 */
export function runNotice(
  before: RunSeen | undefined,
  run: Pick<RunSummary, 'id' | 'experimentName' | 'status' | 'statusReason' | 'targetsMet'>
): Notice | null {
  const route: Route = { name: 'run', id: run.id }
  if (run.status === 'failed' && before?.status !== 'failed') {
    return { tone: 'bad', title: `Run ${run.id} failed`, body: `${run.experimentName}${run.statusReason ? `: ${run.statusReason}` : ''}`, route }
  }
  if (run.status === 'done' && run.targetsMet === true && before?.targetsMet !== true) {
    return { tone: 'good', title: `Run ${run.id} met its targets`, body: run.experimentName, route }
  }
  return null
}

const pending = (e: QueuedExperiment) => e.counts.queued + e.counts.running

/**
 * Searches that finished between two reads of the queue: trials were queued or running before,
 * none are now.
 */
export function finishedSearches(before: readonly QueuedExperiment[], now: readonly QueuedExperiment[]): Notice[] {
  const was = new Map(before.map((e) => [e.id, pending(e)]))
  return now
    .filter((e) => (was.get(e.id) ?? 0) > 0 && pending(e) === 0 && e.status !== 'cancelled')
    .map((e) => ({
      tone: e.counts.failed > 0 ? 'bad' : 'good',
      title: `Search “${e.name}” finished`,
      body: `${e.counts.done} done${e.counts.failed ? `, ${e.counts.failed} failed` : ''} of ${e.total} trials`,
      route: { name: 'leaderboard', experimentId: e.id }
    }))
}

/** Bundles in the shared folder that were not there before (by folder). */
export function arrivedBundles(known: ReadonlySet<string>, now: readonly BundleInfo[]): Notice[] {
  return now
    .filter((b) => b.location === 'shared' && !known.has(b.dir))
    .map((b) => ({
      tone: 'info',
      title: 'A bundle arrived in the shared folder',
      body: `${b.name ?? b.folder}${b.version ? ` ${b.version}` : ''}${b.kind ? ` · ${b.kind}` : ''}`,
      route: { name: 'bundles' }
    }))
}

/** `workbench runs list|show`: the run history of a workspace. */
import type { WorkbenchHost } from '../../host/workbench-host'
import { ApiError } from '../../contract/api'
import { EXIT_OK, UsageError, printJson, table, pct, num, duration } from '../output'
import { runJson, printRun } from './run'

export function runsList(host: WorkbenchHost, opts: { json: boolean }): number {
  const list = host.handlers['runs.list']({}) as ReturnType<WorkbenchHost['summary']>[]
  if (opts.json) {
    printJson(
      list.map((r) => ({
        id: r.id,
        experiment: r.experimentName,
        modelKind: r.modelKind,
        params: r.params,
        status: r.status,
        statusReason: r.statusReason,
        createdAt: r.createdAt,
        durationMs: r.durationMs,
        metrics: r.metrics,
        targetsMet: r.targetsMet
      }))
    )
    return EXIT_OK
  }
  if (list.length === 0) {
    process.stdout.write('no runs yet: try `workbench run experiments/helios-detection-iforest.json`\n')
    return EXIT_OK
  }
  process.stdout.write(
    table(
      ['id', 'experiment', 'model', 'status', 'precision', 'recall', 'f1', 'fpr', 'auc', 'targets', 'duration', 'created'],
      list.map((r) => [
        String(r.id),
        r.experimentName,
        r.modelKind,
        r.status,
        pct(r.metrics?.precision),
        pct(r.metrics?.recall),
        pct(r.metrics?.f1),
        pct(r.metrics?.fpr),
        num(r.metrics?.rocAuc),
        r.targets.length === 0 ? '-' : `${r.targets.filter((t) => t.met).length}/${r.targets.length}`,
        duration(r.durationMs),
        r.createdAt.replace('T', ' ').slice(0, 19)
      ])
    ) + '\n'
  )
  return EXIT_OK
}

export function runsShow(host: WorkbenchHost, idText: string | undefined, opts: { json: boolean }): number {
  const id = Number(idText)
  if (!idText || !Number.isInteger(id) || id <= 0) throw new UsageError(`runs show needs a run id (a positive integer), got '${idText ?? ''}'`)
  let detail
  try {
    detail = host.detail(id)
  } catch (err) {
    if (err instanceof ApiError && err.code === 'not_found') throw new UsageError(err.message)
    throw err
  }
  if (opts.json) printJson(runJson(detail))
  else {
    printRun(detail)
    if (detail.epochs.length > 0) {
      const keys = Object.keys(detail.epochs[0].metrics)
      const axis = detail.historyAxis === 'trees' ? 'trees' : 'epoch'
      const title = axis === 'trees' ? 'history over the ensemble size (training data)' : 'per-epoch history'
      process.stdout.write(`\n${title}:\n` + table([axis, ...keys], detail.epochs.map((e) => [String(e.epoch), ...keys.map((k) => num(e.metrics[k]))])) + '\n')
    }
  }
  return EXIT_OK
}

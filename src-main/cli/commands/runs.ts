/** `workbench runs show`: one run of a workspace (`runs list` is runs-list.ts). */
import type { WorkbenchHost } from '../../host/workbench-host'
import { ApiError } from '../../contract/api'
import { EXIT_OK, UsageError, printJson, table, pct, num, duration } from '../output'
import { runJson, printRun } from './run'
import { thresholdLines } from './runs-analysis'

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
  if (opts.json) printJson({ ...runJson(detail), thresholds: detail.thresholds })
  else {
    printRun(detail)
    process.stdout.write('\n' + thresholdLines(detail.thresholds).join('\n') + '\n')
    if (detail.epochs.length > 0) {
      const keys = Object.keys(detail.epochs[0].metrics)
      const axis = detail.historyAxis === 'trees' ? 'trees' : 'epoch'
      const title = axis === 'trees' ? 'history over the ensemble size (training data)' : 'per-epoch history'
      process.stdout.write(`\n${title}:\n` + table([axis, ...keys], detail.epochs.map((e) => [String(e.epoch), ...keys.map((k) => num(e.metrics[k]))])) + '\n')
    }
  }
  return EXIT_OK
}

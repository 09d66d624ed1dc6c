/** `workbench runs show`: one run of a workspace (`runs list` is runs-list.ts). */
import type { ContractClient } from '../contract-client'
import { runIdArg } from '../contract-client'
import { EXIT_OK, printJson, table, num } from '../output'
import { runJson, printRun } from './run'
import { thresholdLines } from './runs-analysis'

export async function runsShow(client: ContractClient, idText: string | undefined, opts: { json: boolean }): Promise<number> {
  const detail = await client.call('runs.get', { id: runIdArg('runs show', idText) })
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

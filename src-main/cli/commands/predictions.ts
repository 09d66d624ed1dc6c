/** `workbench runs predictions <run> --to FILE.csv|.parquet`: a split's per-row predictions. */
import { resolve } from 'node:path'
import type { ContractClient } from '../contract-client'
import { runIdArg } from '../contract-client'
import { EXIT_OK, UsageError, printJson, pct } from '../output'

export async function runsPredictions(
  client: ContractClient,
  idText: string | undefined,
  opts: { json: boolean; to?: string; split?: string; rule?: string; threshold?: string }
): Promise<number> {
  const id = runIdArg('runs predictions', idText)
  if (!opts.to) throw new UsageError('runs predictions needs --to FILE.csv (or .parquet)')
  const split = (opts.split ?? 'test') as 'train' | 'validation' | 'test'
  const rule = (opts.rule ?? 'last') as 'last' | 'max'
  const threshold = opts.threshold === undefined ? undefined : Number(opts.threshold)
  if (threshold !== undefined && !Number.isFinite(threshold)) throw new UsageError(`--threshold must be a number, got '${opts.threshold}'`)
  const written = await client.call('runs.predictions', { id, split, rule, threshold, path: resolve(opts.to) })
  const point = await client.call('runs.pointwise', { id, split, rule, threshold })
  if (opts.json) {
    printJson({ ...written, pointwise: point })
    return EXIT_OK
  }
  process.stdout.write(
    `${written.path}: ${written.rows} rows (${written.scored} scored, ${written.rows - written.scored} without a score by the '${rule}' rule), ${written.bytes} bytes\n` +
      `point-wise on ${split} at threshold ${point.threshold}: precision ${pct(point.precision)}, recall ${pct(point.recall)}, F1 ${pct(point.f1)}, ` +
      `false alarms ${pct(point.falseAlarmRate)}, missed alarms ${pct(point.missedAlarmRate)}; events caught ${point.events.caught}/${point.events.episodes}\n`
  )
  return EXIT_OK
}

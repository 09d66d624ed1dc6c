/**
 * `workbench runs compare A B [C D] [--limit N] [--json]`: 2-4 runs side by side (params diff,
 * metrics at each run's threshold, confusion matrices, per-type recall) and the windows they
 * disagree on, through the contract (`runs.compare`), as the compare page calls it. `--json`
 * prints the whole comparison with every disagreement (all pages).
 */
import type { ContractClient } from '../contract-client'
import { DISAGREEMENTS_PAGE_MAX, type CompareResult, type CompareRun, type Disagreement } from '../../contract/api'
import { EXIT_OK, UsageError, printJson, table, pct, num } from '../output'
import { runIdArg } from '../contract-client'

/** Disagreement rows printed without --limit (the rest are counted). */
const DEFAULT_ROWS = 20

function value(v: unknown): string {
  if (v === null || v === undefined) return '-'
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : JSON.stringify(v)
}

function runHead(r: CompareRun): string {
  return `run ${r.id}`
}

function metricsLines(runs: CompareRun[]): string {
  const rows: string[][] = []
  rows.push(['model', ...runs.map((r) => r.modelKind)])
  rows.push(['experiment', ...runs.map((r) => (r.trial ? `${r.experimentName} (trial #${r.trial.ordinal})` : r.experimentName))])
  rows.push(['threshold', ...runs.map((r) => (r.threshold.current == null ? '-' : `${num(r.threshold.current)} (${r.threshold.source})`))])
  const rates = ['precision', 'recall', 'f1', 'fpr', 'accuracy'] as const
  for (const m of rates) rows.push([`test ${m}`, ...runs.map((r) => pct(r.test?.[m] ?? (r.recorded.metrics?.[m] as number | undefined)))])
  rows.push(['test roc auc', ...runs.map((r) => num(r.test?.rocAuc ?? r.recorded.metrics?.rocAuc))])
  rows.push(['test event recall', ...runs.map((r) => (r.test?.events ? `${pct(r.test.events.recall)} (${r.test.events.caught}/${r.test.events.episodes})` : '-'))])
  for (const m of ['precision', 'recall', 'f1'] as const) rows.push([`validation ${m}`, ...runs.map((r) => (r.validation ? pct(r.validation[m]) : 'not stored'))])
  rows.push([
    'test confusion tn/fp/fn/tp',
    ...runs.map((r) => {
      const c = r.test?.confusion ?? r.recorded.confusion
      return c ? `${c.tn}/${c.fp}/${c.fn}/${c.tp}` : '-'
    })
  ])
  rows.push(['targets (at training)', ...runs.map((r) => (r.targets.length === 0 ? '-' : `${r.targets.filter((t) => t.met).length}/${r.targets.length} met`))])
  return table(['metric (at each run\'s threshold)', ...runs.map(runHead)], rows)
}

function perTypeLines(runs: CompareRun[]): string | null {
  const recall = (r: CompareRun) => r.test?.perType ?? r.recorded.recallByType
  // Types no run's test split holds say nothing about the runs.
  const types = [...new Set(runs.flatMap((r) => Object.keys(recall(r))))].filter((t) => runs.some((r) => (recall(r)[t]?.total ?? 0) > 0)).sort()
  if (types.length === 0) return null
  return table(
    ['test recall by type', ...runs.map(runHead)],
    types.map((t) => [t, ...runs.map((r) => {
      const x = recall(r)[t]
      return x && x.total > 0 ? `${pct(x.recall)} (${x.detected}/${x.total})` : 'n/a'
    })])
  )
}

function disagreementRows(runs: CompareRun[], rows: Disagreement[]): string {
  return table(
    ['end row', 'kind', 'type', ...runs.map((r) => `run ${r.id} score (window)`)],
    rows.map((d) => [
      String(d.endRow),
      d.kind,
      d.type ?? '-',
      ...d.windows.map((w) => `${w.flagged ? 'FLAG ' : 'pass '}${num(w.score)} (#${w.index}${w.label ? ', labelled' : ''})`)
    ])
  )
}

function print(result: CompareResult, limit: number): void {
  const { runs, params, disagreements: d } = result
  const out: string[] = [`compare runs ${runs.map((r) => r.id).join(', ')}`, '']
  const differing = params.filter((p) => p.differs)
  out.push(`params (${differing.length} of ${params.length} differ, marked *):`)
  out.push(table(['', 'param', ...runs.map(runHead)], params.map((p) => [p.differs ? '*' : '', p.key, ...p.values.map((v, k) => (p.present[k] ? value(v) : '(none)'))])))
  out.push('', metricsLines(runs))
  const perType = perTypeLines(runs)
  if (perType) out.push('', perType)
  out.push('')
  if (!d.available) {
    out.push(`no disagreement list: ${d.reason}`)
  } else {
    out.push(`disagreements on the test split (${d.note}): ${d.counts.all} of ${d.compared} compared windows`)
    out.push(`  anomalous windows one run catches and another misses: ${d.counts.anomaly}; false alarms only some raise: ${d.counts.normal}; labels differ: ${d.counts.mixed}`)
    for (const p of d.pairs) if (p.anomaly > 0) out.push(`  run ${p.flaggedBy} catches, run ${p.notFlaggedBy} misses: ${p.anomaly}`)
    if (d.rows.length > 0) {
      out.push('', disagreementRows(runs, d.rows.slice(0, limit)))
      if (d.total > Math.min(limit, d.rows.length)) out.push(`(${Math.min(limit, d.rows.length)} of ${d.total}: --limit N for more, --json for all)`)
    }
  }
  process.stdout.write(out.join('\n') + '\n')
}

export async function runsCompareCommand(client: ContractClient, idTexts: string[], o: { json: boolean; limit?: string }): Promise<number> {
  if (idTexts.length < 2 || idTexts.length > 4) throw new UsageError(`runs compare takes 2 to 4 run ids, got ${idTexts.length}`)
  const ids = idTexts.map((t) => runIdArg('runs compare', t))
  const limit = o.limit === undefined ? DEFAULT_ROWS : Number(o.limit)
  if (!Number.isInteger(limit) || limit <= 0) throw new UsageError(`--limit must be a positive integer, got '${o.limit}'`)
  const pageSize = o.json ? DISAGREEMENTS_PAGE_MAX : Math.min(limit, DISAGREEMENTS_PAGE_MAX)
  const first = await client.call('runs.compare', { ids, disagreements: { kind: 'all', offset: 0, limit: pageSize } })
  if (!o.json) {
    print(first, limit)
    return EXIT_OK
  }
  // Every disagreement, a page at a time.
  const rows = [...first.disagreements.rows]
  while (rows.length < first.disagreements.total) {
    const page = await client.call('runs.compare', { ids, disagreements: { kind: 'all', offset: rows.length, limit: pageSize } })
    if (page.disagreements.rows.length === 0) break
    rows.push(...page.disagreements.rows)
  }
  printJson({ ...first, disagreements: { ...first.disagreements, offset: 0, rows } })
  return EXIT_OK
}

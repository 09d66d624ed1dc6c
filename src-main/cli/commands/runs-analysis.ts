/**
 * `workbench runs threshold | errors`: a finished run's metrics at any threshold, "pick for
 * targets" (chosen on validation, test reported at it), saved threshold decisions, and its missed
 * windows / false alarms. Everything goes through the contract (`client.call`), as the UI's calls do.
 */
import type { ContractClient } from '../contract-client'
import {
  ERRORS_PAGE_MAX,
  type RunThresholds,
  type SplitMetrics,
  type ErrorEpisode,
  type ErrorItem
} from '../../contract/api'
import { EXIT_OK, UsageError, printJson, table, pct, num, progressBar } from '../output'
import { runIdArg } from '../contract-client'

function numberOption(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined
  const x = Number(text)
  if (text.trim() === '' || !Number.isFinite(x)) throw new UsageError(`${flag} must be a number, got '${text}'`)
  return x
}

function choice<T extends string>(flag: string, text: string | undefined, allowed: readonly T[]): T | undefined {
  if (text === undefined) return undefined
  if (!(allowed as readonly string[]).includes(text)) throw new UsageError(`${flag} must be one of ${allowed.join(', ')}, got '${text}'`)
  return text as T
}

export interface ThresholdOptions {
  json: boolean
  at?: string
  pick?: string
  save: boolean
  reset: boolean
  note?: string
}

/** `runs threshold <run> [--at T | --pick targets|objective | --reset] [--save] [--note N] [--json]` */
export async function runsThreshold(client: ContractClient, idText: string | undefined, o: ThresholdOptions): Promise<number> {
  const id = runIdArg('runs threshold', idText)
  const at = numberOption('--at', o.at)
  const rule = choice('--pick', o.pick, ['targets', 'objective'] as const)
  if (at !== undefined && rule !== undefined) throw new UsageError('--at and --pick: give one (a threshold, or a rule to choose one on validation)')
  if (o.reset && (at !== undefined || rule !== undefined || o.save)) throw new UsageError('--reset goes back to the trained threshold: it takes no --at, --pick or --save')
  if (o.save && at === undefined && rule === undefined) throw new UsageError('--save needs the threshold to save: --at T, or --pick targets|objective')

  if (rule !== undefined) {
    const pick = await client.call('runs.pickThreshold', { id, rule })
    const saved = o.save ? await client.call('runs.setThreshold', { id, threshold: pick.threshold, source: rule === 'targets' ? 'pick-targets' : 'pick-objective', note: o.note }) : null
    if (o.json) printJson(saved ? { ...pick, saved } : pick)
    else {
      const out = [
        `run ${id}: threshold ${num(pick.threshold)} ${pick.basis}`,
        `trained threshold ${num(pick.trainedThreshold)}; test is only reported at the chosen threshold, never used to choose it`,
        '',
        metricsTable([
          ['validation (chosen on)', pick.validation.metrics],
          ...(pick.test ? ([['test (reported)', pick.test.metrics]] as [string, SplitMetrics][]) : [])
        ])
      ]
      const targets = pick.validation.targets
      if (targets.length > 0) {
        out.push('', 'targets:', table(['target', 'validation', 'test'], targets.map((t, k) => [t.text, verdict(t), pick.test ? verdict(pick.test.targets[k]) : '-'])))
      }
      if (!pick.test) out.push('', 'the run stored no test scores: nothing to report on test')
      out.push('', saved ? savedLine(saved) : 'not saved (--save stores it as the run\'s threshold: bundles exported afterwards carry it)')
      process.stdout.write(out.join('\n') + '\n')
    }
    return EXIT_OK
  }

  let saved: RunThresholds | null = null
  if (o.reset) saved = await client.call('runs.resetThreshold', { id, note: o.note })
  else if (o.save && at !== undefined) saved = await client.call('runs.setThreshold', { id, threshold: at, source: 'manual', note: o.note })
  const report = await client.call('runs.threshold', { id, threshold: at })
  if (o.json) {
    printJson(saved ? { ...report, saved } : report)
    return EXIT_OK
  }
  const th = report.thresholds
  const out = [
    `run ${id}: threshold ${num(report.threshold)} (${report.thresholdFrom === 'request' ? 'given' : report.thresholdFrom}); trained ${num(th.trained)}, chosen ${th.chosen ? `${num(th.chosen.threshold)} (${th.chosen.source})` : 'none'}`,
    '',
    metricsTable(report.splits.map((s) => [s.split, s.metrics]))
  ]
  const types = [...new Set(report.splits.flatMap((s) => Object.keys(s.metrics.perType)))]
  if (types.length > 0) {
    out.push('', 'recall per anomaly type (detected/total):')
    out.push(
      table(
        ['type', ...report.splits.map((s) => s.split)],
        types.map((t) => [t, ...report.splits.map((s) => {
          const r = s.metrics.perType[t]
          return r && r.total > 0 ? `${pct(r.recall)} (${r.detected}/${r.total})` : '-'
        })])
      )
    )
  }
  for (const s of report.splits) if (s.eventsNote) out.push(`${s.split}: no event metrics: ${s.eventsNote}`)
  if (saved) out.push('', saved.chosen ? savedLine(saved) : `back to the trained threshold ${num(saved.trained)} (bundles exported now carry it)`)
  process.stdout.write(out.join('\n') + '\n')
  return EXIT_OK
}

function savedLine(t: RunThresholds): string {
  return `saved: the run's threshold is now ${num(t.effective)} (trained ${num(t.trained)}); bundles exported from now on carry it`
}

function verdict(t: { met: boolean; actual: number | null }): string {
  return `${t.met ? 'met' : 'NOT met'} (${t.actual === null ? '-' : num(t.actual)})`
}

function metricsTable(rows: [string, SplitMetrics][]): string {
  return table(
    ['split', 'precision', 'recall', 'f1', 'fpr', 'accuracy', 'tp', 'fp', 'fn', 'tn', 'episodes caught', 'mean delay (rows)'],
    rows.map(([name, m]) => [
      name,
      pct(m.precision),
      pct(m.recall),
      pct(m.f1),
      pct(m.fpr),
      pct(m.accuracy),
      String(m.confusion.tp),
      String(m.confusion.fp),
      String(m.confusion.fn),
      String(m.confusion.tn),
      m.events ? `${m.events.caught}/${m.events.episodes} (${pct(m.events.recall)})` : '-',
      m.events ? num(m.events.meanDelayRows, 1) : '-'
    ])
  )
}

export interface ErrorsOptions {
  json: boolean
  kind?: string
  split?: string
  threshold?: string
  sort?: string
  order?: string
  limit?: string
}

/** Rows the table shows without --limit (--json lists every error). */
const TABLE_ROWS = 50

/** `runs errors <run> --kind fn|fp [--split S] [--threshold T] [--sort score|margin|type|time] [--order asc|desc] [--limit N] [--json]` */
export async function runsErrors(client: ContractClient, idText: string | undefined, o: ErrorsOptions): Promise<number> {
  const id = runIdArg('runs errors', idText)
  if (o.kind === undefined) throw new UsageError('--kind is required: fn (missed windows) or fp (false alarms)')
  const kind = choice('--kind', o.kind, ['fn', 'fp'] as const)!
  const split = choice('--split', o.split, ['train', 'validation', 'test'] as const) ?? 'test'
  const threshold = numberOption('--threshold', o.threshold)
  const sort = choice('--sort', o.sort, ['score', 'margin', 'type', 'time'] as const) ?? 'margin'
  const order = choice('--order', o.order, ['asc', 'desc'] as const) ?? 'asc'
  const limit = numberOption('--limit', o.limit)
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) throw new UsageError(`--limit must be a positive integer, got '${o.limit}'`)
  const want = limit ?? (o.json ? Infinity : TABLE_ROWS)

  const query = { id, split, kind, threshold, sort, order }
  const first = await client.call('runs.errors', { ...query, offset: 0, limit: Math.min(want, ERRORS_PAGE_MAX) })
  const items: ErrorItem[] = [...first.items]
  const episodes = new Map<number, ErrorEpisode>(first.episodes.map((e) => [e.id, e]))
  const total = Math.min(want, first.total)
  // The threshold of the first page, so every page is at the same one.
  const bar = total > items.length ? progressBar(`run ${id} ${kind} errors`) : null
  while (items.length < total) {
    bar?.update(items.length / total, 'listing', `${items.length}/${total}`)
    const page = await client.call('runs.errors', { ...query, threshold: first.threshold, offset: items.length, limit: Math.min(total - items.length, ERRORS_PAGE_MAX) })
    if (page.items.length === 0) break
    items.push(...page.items)
    for (const e of page.episodes) episodes.set(e.id, e)
  }
  if (bar) {
    bar.update(1, 'listing', `${items.length}/${total}`)
    bar.stop()
  }

  const what = kind === 'fn' ? 'missed windows (FN)' : 'false alarms (FP)'
  if (o.json) {
    printJson({
      runId: first.runId,
      split: first.split,
      kind: first.kind,
      threshold: first.threshold,
      thresholdFrom: first.thresholdFrom,
      total: first.total,
      windowLength: first.windowLength,
      datasetId: first.datasetId,
      sort,
      order,
      listed: items.length,
      items,
      episodes: [...episodes.values()].sort((a, b) => a.id - b.id)
    })
    return EXIT_OK
  }
  const out = [`run ${id}: ${first.total} ${what} on ${split} at threshold ${num(first.threshold)} (${first.thresholdFrom === 'request' ? 'given' : first.thresholdFrom}); windows of ${first.windowLength} row(s), sorted by ${sort} ${order}`]
  if (items.length > 0) {
    out.push(
      '',
      table(
        ['window', 'score', 'margin', 'type', 'rows', 'first time', 'segment', ...(kind === 'fn' ? ['episode'] : [])],
        items.map((it) => [
          String(it.index),
          num(it.score),
          num(it.margin),
          it.type ?? '-',
          it.firstRow === it.lastRow ? String(it.firstRow) : `${it.firstRow}-${it.lastRow}`,
          new Date(it.firstTime).toISOString().replace('T', ' ').slice(0, 19),
          it.segment,
          ...(kind === 'fn' ? [it.episode === null ? '-' : episodeText(episodes.get(it.episode)!)] : [])
        ])
      )
    )
  }
  if (first.total > items.length) out.push(`… ${first.total - items.length} more (--limit N, or --json for every one)`)
  process.stdout.write(out.join('\n') + '\n')
  return EXIT_OK
}

function episodeText(e: ErrorEpisode): string {
  const caught = e.caught ? `caught after ${e.delayRows} row(s)` : 'never caught'
  return `#${e.id} ${e.type ?? 'untyped'} rows ${e.firstRow}-${e.lastRow}: ${e.errors} missed of ${e.windows}, ${caught}`
}

/** The lines `runs show` adds: the trained threshold, the chosen one, and the decisions. */
export function thresholdLines(t: RunThresholds): string[] {
  const lines = [`threshold: trained ${num(t.trained)}; chosen ${t.chosen ? `${num(t.chosen.threshold)} (${t.chosen.source}, ${t.chosen.createdAt.replace('T', ' ').slice(0, 19)})` : 'none (the trained one applies)'}`]
  if (t.history.length > 0) {
    lines.push(
      table(
        ['decided', 'threshold', 'source', 'test precision', 'test recall', 'basis'],
        t.history.map((d) => [
          d.createdAt.replace('T', ' ').slice(0, 19),
          num(d.threshold),
          d.source,
          pct(d.test?.precision),
          pct(d.test?.recall),
          d.note ? `${d.basis}; note: ${d.note}` : d.basis
        ])
      )
    )
  }
  return lines
}

/**
 * `workbench runs list [--filter k=v ...] [--sort COLUMN] [--order asc|desc] [--limit N] [--csv FILE] [--json]`
 * and `workbench runs annotate <id> [--tag T ...] [--note TEXT]`: the run history filtered,
 * sorted and exported, and a run's tags and note, through the contract (`runs.query`, `runs.csv`,
 * `runs.annotate`), as the UI calls them.
 */
import { renameSync, rmSync, writeFileSync } from 'node:fs'
import { basename, dirname, join, resolve } from 'node:path'
import type { ContractClient } from '../contract-client'
import { RUNS_PAGE_MAX, type RunFilter, type RunListRow, type RunSort } from '../../contract/api'
import { EXIT_OK, UsageError, printJson, table, pct, num, duration } from '../output'
import { runIdArg } from '../contract-client'

export interface RunsListOptions {
  json: boolean
  filter?: string[]
  sort?: string
  order?: string
  limit?: string
  csv?: string
}

const FILTER_KEYS = ['experiment', 'kind', 'status', 'dataset', 'targets', 'tag', 'text'] as const

/** `--filter k=v` options as the contract's filter; experiments by id or by name. */
async function parseFilters(client: ContractClient, items: readonly string[]): Promise<RunFilter> {
  const filter: RunFilter = {}
  const add = <K extends 'experimentIds' | 'modelKinds' | 'statuses' | 'tags'>(key: K, v: NonNullable<RunFilter[K]>[number]) => {
    filter[key] = [...((filter[key] as unknown[] | undefined) ?? []), v] as RunFilter[K]
  }
  let experiments: { id: number; name: string }[] | null = null
  for (const item of items) {
    const eq = item.indexOf('=')
    const key = eq > 0 ? item.slice(0, eq) : ''
    const value = item.slice(eq + 1)
    if (!(FILTER_KEYS as readonly string[]).includes(key)) throw new UsageError(`--filter takes key=value with key one of ${FILTER_KEYS.join(', ')}, got '${item}'`)
    switch (key as (typeof FILTER_KEYS)[number]) {
      case 'experiment': {
        if (/^\d+$/.test(value)) {
          add('experimentIds', Number(value))
          break
        }
        experiments ??= (await client.call('runs.query', { limit: 1 })).facets?.experiments ?? []
        const match = experiments.find((e) => e.name === value)
        if (!match) throw new UsageError(`--filter experiment=${value}: no run of an experiment named '${value}' (experiments with runs: ${experiments.map((e) => e.name).join(', ') || 'none'})`)
        add('experimentIds', match.id)
        break
      }
      case 'kind':
        add('modelKinds', value)
        break
      case 'status':
        add('statuses', value as NonNullable<RunFilter['statuses']>[number])
        break
      case 'dataset':
        filter.datasetId = value
        break
      case 'targets':
        filter.targets = value as RunFilter['targets']
        break
      case 'tag':
        add('tags', value)
        break
      case 'text':
        filter.text = filter.text ? `${filter.text} ${value}` : value
        break
    }
  }
  return filter
}

function parseSort(o: RunsListOptions): Partial<RunSort> {
  if (o.order !== undefined && o.order !== 'asc' && o.order !== 'desc') throw new UsageError(`--order must be asc or desc, got '${o.order}'`)
  return { ...(o.sort ? { key: o.sort } : {}), ...(o.order ? { dir: o.order } : {}) }
}

function parseLimit(text: string | undefined): number | null {
  if (text === undefined) return null
  const n = Number(text)
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`--limit must be a positive integer, got '${text}'`)
  return n
}

/** Writes next to the destination, then renames: a reader never sees half a file. */
function writeAtomically(file: string, text: string): void {
  const tmp = join(dirname(file), `.tmp-${basename(file)}-${process.pid}`)
  try {
    writeFileSync(tmp, text)
    renameSync(tmp, file)
  } catch (err) {
    rmSync(tmp, { force: true })
    throw err
  }
}

export async function runsListCommand(client: ContractClient, o: RunsListOptions): Promise<number> {
  const filter = await parseFilters(client, o.filter ?? [])
  const sort = parseSort(o)
  const limit = parseLimit(o.limit)
  if (o.csv) {
    const file = resolve(o.csv)
    const out = await client.call('runs.csv', { filter, sort })
    writeAtomically(file, out.csv)
    if (o.json) printJson({ file, rows: out.rows, columns: out.columns })
    else process.stdout.write(`wrote ${out.rows} run${out.rows === 1 ? '' : 's'} (${out.columns.length} columns) to ${file}\n`)
    return EXIT_OK
  }
  // Every matching run (or the first --limit), a page at a time.
  const rows: RunListRow[] = []
  let total = 0
  for (;;) {
    const want = Math.min(RUNS_PAGE_MAX, (limit ?? Infinity) - rows.length)
    const page = await client.call('runs.query', { filter, sort, offset: rows.length, limit: want, facets: false })
    total = page.total
    rows.push(...page.rows)
    if (page.rows.length < want || rows.length >= total || rows.length >= (limit ?? Infinity)) break
  }
  if (o.json) {
    printJson(
      rows.map((r) => ({
        id: r.id,
        experiment: r.experimentName,
        experimentId: r.experimentId,
        modelKind: r.modelKind,
        trial: r.trial?.ordinal ?? null,
        params: r.params,
        status: r.status,
        statusReason: r.statusReason,
        createdAt: r.createdAt,
        durationMs: r.durationMs,
        agent: r.agent,
        metrics: r.metrics,
        targetsMet: r.targetsMet,
        tags: r.tags,
        note: r.note,
        trainDatasetId: r.trainDatasetId,
        testDatasetId: r.testDatasetId
      }))
    )
    return EXIT_OK
  }
  if (total === 0) {
    const filtered = Object.keys(filter).length > 0
    process.stdout.write(filtered ? 'no run matches the filter\n' : 'no runs yet: try `workbench run experiments/helios-detection-iforest.json`\n')
    return EXIT_OK
  }
  process.stdout.write(
    table(
      ['id', 'experiment', 'model', 'status', 'precision', 'recall', 'f1', 'fpr', 'auc', 'targets', 'tags', 'duration', 'created'],
      rows.map((r) => [
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
        r.tags.join(', '),
        duration(r.durationMs),
        r.createdAt.replace('T', ' ').slice(0, 19)
      ])
    ) + '\n'
  )
  if (rows.length < total) process.stdout.write(`(${rows.length} of ${total} matching runs: --limit to see more)\n`)
  return EXIT_OK
}

/** `runs annotate <id> [--tag T ...] [--note TEXT]`: replaces the run's tags (when --tag is given) and note. */
export async function runsAnnotateCommand(client: ContractClient, idText: string | undefined, o: { json: boolean; tag?: string[]; note?: string }): Promise<number> {
  const id = runIdArg('runs annotate', idText)
  if (o.tag === undefined && o.note === undefined) throw new UsageError('runs annotate needs --tag T (repeat for several; --tag "" clears them) or --note TEXT ("" clears it)')
  const tags = o.tag === undefined ? undefined : o.tag.filter((t) => t.trim() !== '')
  const out = await client.call('runs.annotate', { id, ...(tags ? { tags } : {}), ...(o.note !== undefined ? { note: o.note || null } : {}) })
  if (o.json) printJson(out)
  else process.stdout.write(`run ${id}: tags ${out.tags.length ? out.tags.join(', ') : '(none)'}; note ${out.note ? JSON.stringify(out.note) : '(none)'}\n`)
  return EXIT_OK
}

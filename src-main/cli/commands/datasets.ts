/** `workbench datasets generate|import|list|show|export`: dataset versions from the command line, through the contract. */
import { resolve } from 'node:path'
import type { ContractClient } from '../contract-client'
import type { ColumnRoleEntry, DatasetSummary, ImportOptions, JobProgress } from '../../contract/api'
import { EXIT_BY_CODE, EXIT_OK, UsageError, printJson, progressBar, table, pct } from '../output'
import { isMissingRule, MISSING_RULES } from '../../core/data/missing-values'
import { parseInterval } from '../../core/data/import/options'

export interface DatasetsOptions {
  json: boolean
  seed?: string
  scale?: string
  param?: string[]
  labelColumn?: string
  timestampColumn?: string
  entityColumn?: string
  typeColumn?: string
  extraLabelColumns?: string[]
  ignoreColumns?: string[]
  /** Sampling interval of files without a timestamp column: `5m`, `30s`, `1h`, ms. */
  interval?: string
  /** Missing-value rule for imports (default: forward-fill). */
  missing?: string
  name?: string
  to?: string
}

/** What `--json` prints for a version: id (= hash), rows, features, anomaly rate, per-type counts. */
function datasetJson(d: DatasetSummary): Record<string, unknown> {
  return {
    id: d.id,
    hash: d.id,
    name: d.name,
    source: d.source,
    generator: d.generator,
    params: d.params,
    parentId: d.parentId,
    rows: d.rows,
    features: d.columns,
    intervalMs: d.intervalMs,
    timeAxis: d.timeAxis,
    // Unlabelled data has no anomaly rate: 0 would read as "every row normal".
    unlabelled: d.unlabelled,
    anomalyRate: d.unlabelled ? null : d.anomalyRate,
    labelCount: d.unlabelled ? null : d.labelCount,
    typeCounts: d.typeCounts,
    segments: d.segmentCount,
    targets: d.targetNames,
    note: d.note,
    createdAt: d.createdAt
  }
}

function printDataset(d: DatasetSummary): void {
  const lines = [
    `dataset ${d.id}`,
    `  name      ${d.name}`,
    `  source    ${d.source}${d.generator ? ` (${d.generator} ${JSON.stringify(d.params)})` : ''}${d.parentId ? `, child of ${d.parentId.slice(0, 12)}` : ''}`,
    `  rows      ${d.rows.toLocaleString('en-US')} x ${d.columns.length} features${d.segmentCount > 1 ? `, ${d.segmentCount} segments` : ''}`,
    `  features  ${d.columns.join(', ')}`,
    d.unlabelled
      ? '  anomalies unlabelled (no label column at import): nothing can be measured on it'
      : `  anomalies ${pct(d.anomalyRate)} (${d.labelCount} rows): ${Object.entries(d.typeCounts).map(([k, v]) => `${k} ${v}`).join(', ') || 'no types'}`,
    `  interval  ${intervalText(d)}`,
    ...(d.targetNames.length ? [`  targets   ${d.targetNames.join(', ')}`] : []),
    ...(d.note ? [`  note      ${d.note}`] : [])
  ]
  process.stdout.write(lines.join('\n') + '\n')
}

/**
 * A sampling step in its largest whole unit.
 * @example step(300000) // "5 min"
 * @example step(1500) // "1500 ms"
 */
function step(ms: number): string {
  for (const [unit, size] of [['d', 86_400_000], ['h', 3_600_000], ['min', 60_000], ['s', 1000]] as const) {
    if (ms >= size && ms % size === 0) return `${ms / size} ${unit}`
  }
  return `${ms} ms`
}

function intervalText(d: DatasetSummary): string {
  if (d.timeAxis === 'row-index') return 'none: no timestamp column, rows are numbered (re-import with --interval to record the step)'
  return d.timeAxis === 'interval' ? `${step(d.intervalMs)} (declared: no timestamp column)` : step(d.intervalMs)
}

/** The roles that are not plain features, one line: `label anomaly · extra labels changepoint · …`. */
function rolesText(roles: ColumnRoleEntry[]): string {
  const of = (role: ColumnRoleEntry['role']) => roles.filter((r) => r.role === role).map((r) => r.name)
  const parts: [string, string[]][] = [
    ['label', of('label')],
    ['type', of('type')],
    ['extra labels', of('extra-label')],
    ['ignored', of('ignored')],
    ['timestamp', of('timestamp')],
    ['entity', of('entity')]
  ]
  return parts.filter(([, names]) => names.length > 0).map(([what, names]) => `${what} ${names.join(', ')}`).join(' · ') || 'features only'
}

/**
 * The import options from the command line, checked as far as the command line can: values
 * that are not column names, and one column given two roles, exit 2 naming the flags.
 */
function importOptions(o: DatasetsOptions): ImportOptions {
  if (o.missing !== undefined && !isMissingRule(o.missing)) throw new UsageError(`--missing takes ${MISSING_RULES.join(', ')}, got '${o.missing}'`)
  const flags: [string, string | undefined][] = [
    ['--label-column', o.labelColumn],
    ['--type-column', o.typeColumn],
    ['--timestamp-column', o.timestampColumn],
    ['--entity-column', o.entityColumn],
    ...(o.extraLabelColumns ?? []).map((c) => ['--extra-label-column', c] as [string, string]),
    ...(o.ignoreColumns ?? []).map((c) => ['--ignore-column', c] as [string, string])
  ]
  const seen = new Map<string, string>()
  for (const [flag, column] of flags) {
    if (column === undefined) continue
    if (column.trim() === '') throw new UsageError(`${flag} takes a column name, got ''`)
    const other = seen.get(column)
    if (other && other !== flag) throw new UsageError(`column '${column}' is given to both ${other} and ${flag}: a column has one role`)
    seen.set(column, flag)
  }
  let intervalMs: number | undefined
  if (o.interval !== undefined) {
    try {
      intervalMs = parseInterval(o.interval)
    } catch (err) {
      throw new UsageError(`--interval: ${(err as Error).message}`)
    }
  }
  const options: ImportOptions = {
    labelColumn: o.labelColumn,
    typeColumn: o.typeColumn,
    timestampColumn: o.timestampColumn,
    entityColumn: o.entityColumn,
    extraLabelColumns: o.extraLabelColumns,
    ignoreColumns: o.ignoreColumns,
    intervalMs,
    name: o.name,
    missing: o.missing as ImportOptions['missing']
  }
  // Unset flags stay out: the contract refuses nothing, but the version's params stay readable.
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as ImportOptions
}

function parseNumber(flag: string, text: string): number {
  const n = Number(text)
  if (text.trim() === '' || !Number.isFinite(n)) throw new UsageError(`${flag} must be a number, got '${text}'`)
  return n
}

/** `--param days=14` (repeatable): numbers and booleans are parsed, the rest stays text. */
function parseParams(pairs: string[] = []): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const p of pairs) {
    const eq = p.indexOf('=')
    if (eq <= 0) throw new UsageError(`--param takes key=value, got '${p}'`)
    const key = p.slice(0, eq)
    const raw = p.slice(eq + 1)
    out[key] = raw === 'true' ? true : raw === 'false' ? false : raw.trim() !== '' && Number.isFinite(Number(raw)) ? Number(raw) : raw
  }
  return out
}

/**
 * Starts a dataset job and follows its `dataset.job` events, with a progress bar, to the last one.
 * Events that arrive before the call answers (the job's first report) are kept, then sorted out.
 */
async function followJob(client: ContractClient, start: () => Promise<{ jobId: string }>, title: string): Promise<JobProgress> {
  let jobId: string | null = null
  const early: JobProgress[] = []
  let bar: ReturnType<typeof progressBar> | null = null
  let ended!: (last: JobProgress) => void
  const last = new Promise<JobProgress>((resolve) => (ended = resolve))
  const onProgress = (p: JobProgress) => {
    if (jobId === null) early.push(p)
    else if (p.jobId === jobId) {
      bar?.update(p.fraction, title, p.message)
      if (p.done) ended(p)
    }
  }
  const off = client.on('dataset.job', onProgress)
  try {
    jobId = (await start()).jobId
    bar = progressBar(title)
    for (const p of early.splice(0)) onProgress(p)
    return await last
  } finally {
    off()
    bar?.stop()
  }
}

/** Runs a job to its end and prints the version it stored; a failure exits by its error code. */
async function runJob(client: ContractClient, start: () => Promise<{ jobId: string }>, title: string, json: boolean): Promise<number> {
  const end = await followJob(client, start, title)
  if (!end.datasetId) {
    process.stderr.write(`workbench: ${end.error}\n`)
    // Bad input (a malformed file) is the user's to fix: exit 2, as for any bad input.
    return EXIT_BY_CODE[end.errorCode ?? 'internal']
  }
  // Filled cells, a missing label column...: on stderr, so `--json` output stays one document.
  for (const w of end.warnings ?? []) process.stderr.write(`workbench: warning: ${w}\n`)
  const summary = (await client.call('datasets.list', {})).find((d) => d.id === end.datasetId)
  if (!summary) throw new Error(`dataset ${end.datasetId} was stored but is not listed`)
  if (json) printJson(datasetJson(summary))
  else printDataset(summary)
  return EXIT_OK
}

export async function datasetsCommand(client: ContractClient, args: string[], o: DatasetsOptions): Promise<number> {
  const [sub, ...rest] = args
  switch (sub) {
    case 'generate': {
      if (rest.length !== 1) throw new UsageError('datasets generate takes one scenario: workbench datasets generate <scenario> [--seed N] [--scale X] [--param k=v]')
      const params = parseParams(o.param)
      if (o.seed !== undefined) params.seed = parseNumber('--seed', o.seed)
      if (o.scale !== undefined) params.scale = parseNumber('--scale', o.scale)
      return runJob(client, () => client.call('datasets.generate', { scenario: rest[0], params }), `generate ${rest[0]}`, o.json)
    }
    case 'import': {
      if (rest.length === 0) throw new UsageError('datasets import takes one or more files or folders: workbench datasets import <file or folder...>')
      const options = importOptions(o)
      // Through the contract like every front door; paths absolute (the host resolves nothing against its own folder).
      const files = rest.map((f) => resolve(f))
      const what = rest.length === 1 ? rest[0] : `${rest.length} paths`
      return runJob(client, () => client.call('datasets.import', { files, options }), `import ${what}`, o.json)
    }
    case 'list': {
      const list = await client.call('datasets.list', {})
      if (o.json) printJson(list.map(datasetJson))
      else if (list.length === 0) process.stdout.write('no datasets yet: try `workbench datasets generate helios-detection`\n')
      else
        process.stdout.write(
          table(
            ['id', 'name', 'source', 'rows', 'features', 'anomalies', 'parent', 'created'],
            list.map((d) => [
              d.id.slice(0, 12),
              d.name,
              d.source,
              d.rows.toLocaleString('en-US'),
              String(d.columns.length),
              d.unlabelled ? 'unlabelled' : pct(d.anomalyRate),
              d.parentId ? d.parentId.slice(0, 12) : '-',
              d.createdAt.replace('T', ' ').slice(0, 19)
            ])
          ) + '\n'
        )
      return EXIT_OK
    }
    case 'show': {
      if (rest.length !== 1) throw new UsageError('datasets show takes one id (or a unique prefix)')
      const detail = await client.call('datasets.get', { id: rest[0] })
      if (o.json) {
        printJson({
          ...datasetJson(detail),
          roles: detail.roles,
          rolesRecorded: detail.rolesRecorded,
          labelLike: detail.labelLike,
          segmentIds: detail.segments.map((g) => g.id),
          lineage: detail.lineage.map((l) => l.id),
          children: detail.children.map((c) => c.id),
          stats: detail.stats,
          runIds: detail.runIds
        })
      } else {
        printDataset(detail)
        process.stdout.write(`  roles     ${rolesText(detail.roles)}${detail.rolesRecorded ? '' : ' (not recorded: derived from what the version stores)'}\n`)
        if (detail.segments.length > 1) {
          const ids = detail.segments.map((g) => g.id)
          process.stdout.write(`  segments  ${ids.slice(0, 12).join(', ')}${ids.length > 12 ? `, … (${ids.length})` : ''}\n`)
        }
        for (const l of detail.labelLike) process.stdout.write(`  warning   ${l.message}\n`)
        if (detail.lineage.length) process.stdout.write(`  lineage   ${detail.lineage.map((l) => `${l.id.slice(0, 12)} (${l.source})`).join(' <- ')}\n`)
        if (detail.runIds.length) process.stdout.write(`  runs      ${detail.runIds.join(', ')}\n`)
        process.stdout.write(
          '\n' +
            table(
              ['feature', 'min', 'max', 'mean', 'std', 'mean normal', 'mean anomalous', 'missing'],
              detail.stats.map((s) => [s.column, fmt(s.min), fmt(s.max), fmt(s.mean), fmt(s.std), fmt(s.meanNormal), fmt(s.meanAnomalous), String(s.missing)])
            ) +
            '\n'
        )
      }
      return EXIT_OK
    }
    case 'export': {
      if (rest.length !== 1 || !o.to) throw new UsageError('datasets export takes an id and --to FILE.csv')
      const r = await client.call('datasets.export', { id: rest[0], path: resolve(o.to) })
      if (o.json) printJson(r)
      else process.stdout.write(`wrote ${r.rows.toLocaleString('en-US')} rows (${(r.bytes / 1e6).toFixed(1)} MB) to ${r.path}\n`)
      return EXIT_OK
    }
    default:
      throw new UsageError(`datasets takes generate, import, list, show or export, got '${sub ?? ''}'`)
  }
}

function fmt(x: number | null): string {
  if (x == null) return '-'
  const a = Math.abs(x)
  return a !== 0 && (a < 1e-3 || a >= 1e6) ? x.toExponential(3) : x.toFixed(4)
}


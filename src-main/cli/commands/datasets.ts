/** `workbench datasets generate|import|list|show|export`: dataset versions from the command line. */
import type { WorkbenchHost } from '../../host/workbench-host'
import { datasetSummary } from '../../host/datasets-service'
import { ApiError, type DatasetSummary } from '../../contract/api'
import { EXIT_FAILURE, EXIT_OK, UsageError, printJson, progressBar, table, pct } from '../output'
import { isMissingRule, MISSING_RULES } from '../../core/data/missing-values'

export interface DatasetsOptions {
  json: boolean
  seed?: string
  scale?: string
  param?: string[]
  labelColumn?: string
  timestampColumn?: string
  entityColumn?: string
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
    anomalyRate: d.anomalyRate,
    labelCount: d.labelCount,
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
    `  anomalies ${pct(d.anomalyRate)} (${d.labelCount} rows): ${Object.entries(d.typeCounts).map(([k, v]) => `${k} ${v}`).join(', ') || 'no types'}`,
    ...(d.targetNames.length ? [`  targets   ${d.targetNames.join(', ')}`] : []),
    ...(d.note ? [`  note      ${d.note}`] : [])
  ]
  process.stdout.write(lines.join('\n') + '\n')
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

async function runJob(host: WorkbenchHost, start: () => string, title: string, json: boolean): Promise<number> {
  let jobId: string
  try {
    jobId = start()
  } catch (err) {
    if (err instanceof ApiError && err.code === 'bad_input') throw new UsageError(err.message)
    throw err
  }
  const bar = progressBar(title)
  const onProgress = (p: { jobId: string; fraction: number; message: string }) => {
    if (p.jobId === jobId) bar.update(p.fraction, title, p.message)
  }
  host.jobs.on('progress', onProgress)
  const outcome = await host.jobs.waitFor(jobId)
  host.jobs.off('progress', onProgress)
  bar.stop()
  if (!outcome.dataset) {
    process.stderr.write(`workbench: ${outcome.error}\n`)
    // Bad input (a malformed file) is the user's to fix: exit 2, as for any bad input.
    return /^(cancelled|data worker|could not store)/.test(outcome.error ?? '') ? EXIT_FAILURE : 2
  }
  // Filled cells, a missing label column...: on stderr, so `--json` output stays one document.
  for (const w of outcome.warnings) process.stderr.write(`workbench: warning: ${w}\n`)
  const summary = datasetSummary(outcome.dataset)
  if (json) printJson(datasetJson(summary))
  else printDataset(summary)
  return EXIT_OK
}

export async function datasetsCommand(host: WorkbenchHost, args: string[], o: DatasetsOptions): Promise<number> {
  const [sub, ...rest] = args
  switch (sub) {
    case 'generate': {
      if (rest.length !== 1) throw new UsageError('datasets generate takes one scenario: workbench datasets generate <scenario> [--seed N] [--scale X] [--param k=v]')
      const params = parseParams(o.param)
      if (o.seed !== undefined) params.seed = parseNumber('--seed', o.seed)
      if (o.scale !== undefined) params.scale = parseNumber('--scale', o.scale)
      return runJob(host, () => (host.handlers['datasets.generate']({ scenario: rest[0], params }) as { jobId: string }).jobId, `generate ${rest[0]}`, o.json)
    }
    case 'import': {
      if (rest.length === 0) throw new UsageError('datasets import takes one or more files: workbench datasets import <file...>')
      if (o.missing !== undefined && !isMissingRule(o.missing)) throw new UsageError(`--missing takes ${MISSING_RULES.join(', ')}, got '${o.missing}'`)
      const options = { labelColumn: o.labelColumn, timestampColumn: o.timestampColumn, entityColumn: o.entityColumn, name: o.name, missing: o.missing }
      return runJob(host, () => host.jobs.start({ kind: 'import', files: rest, options }), `import ${rest.length} file(s)`, o.json)
    }
    case 'list': {
      const list = host.datasets.list()
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
              pct(d.anomalyRate),
              d.parentId ? d.parentId.slice(0, 12) : '-',
              d.createdAt.replace('T', ' ').slice(0, 19)
            ])
          ) + '\n'
        )
      return EXIT_OK
    }
    case 'show': {
      if (rest.length !== 1) throw new UsageError('datasets show takes one id (or a unique prefix)')
      const detail = apiCall(() => host.datasets.get(rest[0]))
      if (o.json) printJson({ ...datasetJson(detail), lineage: detail.lineage.map((l) => l.id), children: detail.children.map((c) => c.id), stats: detail.stats, runIds: detail.runIds })
      else {
        printDataset(detail)
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
      const id = apiCall(() => host.datasets.resolveId(rest[0]))
      const r = await host.datasets.export(id, o.to)
      if (o.json) printJson({ id, ...r })
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

/** API errors the user caused (unknown id) exit 2 like any bad input. */
function apiCall<T>(f: () => T): T {
  try {
    return f()
  } catch (err) {
    if (err instanceof ApiError && (err.code === 'not_found' || err.code === 'bad_input')) throw new UsageError(err.message)
    throw err
  }
}


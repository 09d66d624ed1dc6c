/** `workbench run <spec.json>`: run an experiment headless in a worker process, print its results. */
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { parseSpecText, SpecError } from '../../core/search/spec'
import type { WorkbenchHost } from '../../host/workbench-host'
import type { RunDetail } from '../../contract/api'
import { EXIT_FAILURE, EXIT_OK, UsageError, printJson, progressBar, pct, num, duration, table } from '../output'

export async function runCommand(
  host: WorkbenchHost,
  file: string,
  opts: { json: boolean; requireTargets: boolean }
): Promise<number> {
  let text: string
  try {
    text = readFileSync(resolve(file), 'utf8')
  } catch (err) {
    throw new UsageError(`cannot read spec ${file}: ${(err as Error).message}`)
  }
  let spec
  try {
    spec = parseSpecText(text, file)
  } catch (err) {
    if (err instanceof SpecError) throw new UsageError(err.message)
    throw err
  }
  const runId = host.runs.start(spec, resolve(file))
  const bar = progressBar(`run ${runId} ${spec.name}`)
  const onChange = (id: number) => {
    const p = id === runId ? host.runs.liveProgress(runId) : null
    if (p) bar.update(p.fraction, p.stage, p.message)
  }
  host.runs.on('changed', onChange)
  const interrupt = () => host.runs.cancel(runId, 'interrupted from the command line (SIGINT)')
  process.once('SIGINT', interrupt)
  const finished = await host.runs.waitFor(runId)
  process.off('SIGINT', interrupt)
  host.runs.off('changed', onChange)
  if (finished.status === 'done') bar.update(1, 'done', '')
  bar.stop()

  const detail = host.detail(runId)
  if (opts.json) printJson(runJson(detail))
  else printRun(detail)
  if (detail.status !== 'done') return EXIT_FAILURE
  if (opts.requireTargets && detail.targetsMet === false) {
    process.stderr.write('targets not met (--require-targets)\n')
    return EXIT_FAILURE
  }
  return EXIT_OK
}

/** The machine-readable shape of one run (shared by `run --json` and `runs show --json`). */
export function runJson(d: RunDetail): Record<string, unknown> {
  return {
    runId: d.id,
    experiment: d.experimentName,
    modelKind: d.modelKind,
    status: d.status,
    statusReason: d.statusReason,
    params: d.params,
    backend: d.backend,
    datasets: d.datasets,
    startedAt: d.startedAt,
    finishedAt: d.finishedAt,
    durationMs: d.durationMs,
    threshold: d.threshold,
    metrics: d.metrics,
    trainMetrics: d.trainMetrics,
    confusion: d.confusion,
    targets: d.targets,
    targetsMet: d.targetsMet,
    recallByType: d.recallByType,
    epochs: d.epochs
  }
}

export function printRun(d: RunDetail): void {
  const out: string[] = []
  out.push(`run ${d.id}  ${d.experimentName}  ${d.modelKind}  ${d.status}${d.statusReason ? ` (${d.statusReason})` : ''}  ${duration(d.durationMs)}`)
  out.push(`params: ${JSON.stringify(d.params)}`)
  for (const ds of d.datasets) out.push(`${ds.role}: ${ds.name}  ${ds.rows} rows x ${ds.columns.length}  anomalies ${pct(ds.anomalyRate)}  version ${ds.id.slice(0, 12)}`)
  if (d.metrics) {
    const m = d.metrics
    const t = d.trainMetrics
    out.push('')
    out.push(
      table(
        ['metric', 'test', 'train'],
        (['accuracy', 'precision', 'recall', 'f1', 'fpr', 'specificity', 'rocAuc', 'averagePrecision'] as const).map((k) => [
          k,
          k === 'rocAuc' || k === 'averagePrecision' ? num(m[k]) : pct(m[k]),
          t ? (k === 'rocAuc' || k === 'averagePrecision' ? num(t[k]) : pct(t[k])) : '-'
        ])
      )
    )
  }
  if (d.confusion) {
    const c = d.confusion
    out.push('')
    out.push(`confusion (test, threshold ${num(d.threshold)}):`)
    out.push(table(['', 'pred normal', 'pred anomaly'], [['normal', String(c.tn), String(c.fp)], ['anomaly', String(c.fn), String(c.tp)]]))
  }
  if (d.targets.length > 0) {
    out.push('')
    out.push('targets:')
    for (const t of d.targets) out.push(`  ${t.met ? 'met    ' : 'NOT met'}  ${t.text}  (actual ${t.actual == null ? '-' : num(t.actual)})`)
  }
  process.stdout.write(out.join('\n') + '\n')
}

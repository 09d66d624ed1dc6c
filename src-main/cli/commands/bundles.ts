/** `workbench export | verify | score`: deployable bundles from the command line. */
import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import type { WorkbenchHost } from '../../host/workbench-host'
import { ApiError } from '../../contract/api'
import { EXIT_FAILURE, EXIT_OK, UsageError, printJson, progressBar, num, table } from '../output'
import { describeFill } from '../../core/data/missing-values'

function userError<T>(f: () => Promise<T>): Promise<T> {
  return f().catch((err) => {
    if (err instanceof ApiError && (err.code === 'bad_input' || err.code === 'not_found')) throw new UsageError(err.message)
    throw err
  })
}

export async function exportCommand(host: WorkbenchHost, runText: string | undefined, o: { to?: string; json: boolean }): Promise<number> {
  const runId = Number(runText)
  if (!runText || !Number.isInteger(runId) || runId <= 0) throw new UsageError(`export takes a run id, got '${runText ?? ''}'`)
  const bar = progressBar(`export run ${runId}`)
  try {
    const r = await userError(() => host.bundles.export(runId, { to: o.to ?? undefined }, (f, m) => bar.update(f, 'export', m)))
    bar.update(1, 'export', 'done')
    bar.stop()
    if (o.json) printJson(r)
    else {
      process.stdout.write(
        `exported run ${runId} to ${r.dir}\n  model.onnx ${(r.onnxBytes / 1e6).toFixed(2)} MB; parity with the trained model: ${Object.entries(r.parity)
          .map(([k, v]) => `${k} max |diff| ${v.toExponential(2)}`)
          .join(', ')}\n`
      )
    }
    return EXIT_OK
  } catch (err) {
    bar.stop()
    throw err
  }
}

export async function verifyCommand(host: WorkbenchHost, dir: string | undefined, o: { json: boolean }): Promise<number> {
  if (!dir) throw new UsageError('verify takes a bundle folder')
  if (!existsSync(dir)) throw new UsageError(`no such bundle folder: ${dir}`)
  const r = await host.bundles.verify(dir)
  if (o.json) printJson({ bundle: resolve(dir), ok: r.ok, problem: r.problem, maxAbsDiff: r.maxAbsDiff, manifest: r.manifest })
  else if (r.ok) {
    process.stdout.write(
      `ok: ${r.manifest!.name} ${r.manifest!.version} — every checksum matches; golden inputs rerun in ONNX Runtime (max |diff| ${Object.entries(r.maxAbsDiff)
        .map(([k, v]) => `${k} ${v.toExponential(2)}`)
        .join(', ')})\n`
    )
  } else process.stderr.write(`refused: ${r.problem}\n`)
  return r.ok ? EXIT_OK : EXIT_FAILURE
}

export async function scoreCommand(host: WorkbenchHost, dir: string | undefined, file: string | undefined, o: { json: boolean }): Promise<number> {
  if (!dir || !file) throw new UsageError('score takes a bundle folder and a CSV file: workbench score <bundle> <file.csv>')
  if (!existsSync(dir)) throw new UsageError(`no such bundle folder: ${dir}`)
  if (!existsSync(file)) throw new UsageError(`no such file: ${file}`)
  let r
  try {
    r = await host.bundles.score(dir, file)
  } catch (err) {
    throw new UsageError((err as Error).message)
  }
  if (r.filled) process.stderr.write(`workbench: warning: ${describeFill(r.filled)}, the bundle's missing-value rule\n`)
  const windows = Array.from(r.scores, (score, i) => ({
    index: i,
    startRow: r.starts[i],
    endTime: new Date(r.times[i]).toISOString(),
    score,
    flag: score >= r.threshold
  }))
  const flagged = windows.filter((w) => w.flag).length
  if (o.json) printJson({ bundle: resolve(dir), file: resolve(file), threshold: r.threshold, windowLength: r.windowLength, total: windows.length, flagged, filled: r.filled, windows })
  else {
    const shown = windows.filter((w) => w.flag).slice(0, 50)
    process.stdout.write(
      `${windows.length} windows of ${r.windowLength} row(s) scored; ${flagged} flagged (score >= ${r.threshold})\n` +
        (shown.length ? table(['window', 'start row', 'end time', 'score'], shown.map((w) => [String(w.index), String(w.startRow), w.endTime, num(w.score)])) + '\n' : '') +
        (flagged > shown.length ? `… ${flagged - shown.length} more flagged (--json for every window)\n` : '')
    )
  }
  return EXIT_OK
}

/** `workbench export | verify | score`: deployable bundles from the command line, through the contract. */
import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import type { ContractClient } from '../contract-client'
import { runIdArg } from '../contract-client'
import { EXIT_FAILURE, EXIT_OK, UsageError, printJson, progressBar, num, table } from '../output'
import { describeFill } from '../../core/data/missing-values'

export async function exportCommand(client: ContractClient, runText: string | undefined, o: { to?: string; json: boolean }): Promise<number> {
  const runId = runIdArg('export', runText)
  const bar = progressBar(`export run ${runId}`)
  const off = client.on('bundle.export', (p) => {
    if (p.runId === runId) bar.update(p.fraction, 'export', p.message)
  })
  try {
    // `--to local|shared` names a bundle folder; anything else is a folder, made absolute here (the host resolves nothing against its own folder).
    const to = o.to === undefined || o.to === 'local' || o.to === 'shared' ? o.to : resolve(o.to)
    const r = await client.call('bundles.export', { runId, ...(to ? { to } : {}) })
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
  } finally {
    off()
  }
}

/** The manifest fields `verify` names, when it could be read. */
function manifestName(m: Record<string, unknown> | null): string {
  return m ? `${String(m.name)} ${String(m.version)}` : 'the bundle'
}

export async function verifyCommand(client: ContractClient, dir: string | undefined, o: { json: boolean }): Promise<number> {
  if (!dir) throw new UsageError('verify takes a bundle folder')
  if (!existsSync(dir)) throw new UsageError(`no such bundle folder: ${dir}`)
  const r = await client.call('bundles.verify', { dir: resolve(dir) })
  if (o.json) printJson({ bundle: resolve(dir), ok: r.ok, problem: r.problem, maxAbsDiff: r.maxAbsDiff, manifest: r.manifest })
  else if (r.ok) {
    process.stdout.write(
      `ok: ${manifestName(r.manifest)} — every checksum matches; golden inputs rerun in ONNX Runtime (max |diff| ${Object.entries(r.maxAbsDiff)
        .map(([k, v]) => `${k} ${v.toExponential(2)}`)
        .join(', ')})\n`
    )
  } else process.stderr.write(`refused: ${r.problem}\n`)
  return r.ok ? EXIT_OK : EXIT_FAILURE
}

export async function scoreCommand(client: ContractClient, dir: string | undefined, file: string | undefined, o: { json: boolean }): Promise<number> {
  if (!dir || !file) throw new UsageError('score takes a bundle folder and a CSV file: workbench score <bundle> <file.csv>')
  if (!existsSync(dir)) throw new UsageError(`no such bundle folder: ${dir}`)
  if (!existsSync(file)) throw new UsageError(`no such file: ${file}`)
  const r = await client.call('bundles.score', { dir: resolve(dir), file: resolve(file) })
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

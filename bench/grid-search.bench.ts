/**
 * Seed 002's grid search as a user runs it: `workbench run experiments/helios-detection-iforest-grid.json`
 * (135 trials, 2 at a time) on a fresh workspace. Prints the wall time, the best trial by the
 * objective and whether any trial met the seed's targets.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const ws = mkdtempSync(join(tmpdir(), 'wb-grid-bench-'))
const t0 = performance.now()
const r = spawnSync(process.execPath, [join(ROOT, 'bin/workbench.cjs'), 'run', join(ROOT, 'experiments/helios-detection-iforest-grid.json'), '--json', '--workspace', ws], {
  encoding: 'utf8',
  maxBuffer: 64 * 1024 * 1024
})
const wallS = (performance.now() - t0) / 1000
rmSync(ws, { recursive: true, force: true })
if (r.status !== 0) throw new Error(`grid search failed: ${r.stderr}`)
const out = JSON.parse(r.stdout) as {
  total: number
  counts: Record<string, number>
  targetsMetBy: number[]
  trials: { rank: number | null; params: Record<string, unknown>; metrics: Record<string, number> | null }[]
}
const best = out.trials.find((t) => t.rank === 1)!
const byPrecision = [...out.trials].filter((t) => t.metrics).sort((a, b) => b.metrics!.precision - a.metrics!.precision || b.metrics!.recall - a.metrics!.recall)[0]
const pct = (x: number) => `${(x * 100).toFixed(2)} %`
console.log(`grid: ${out.total} trials, ${out.counts.done} done, wall time ${wallS.toFixed(1)} s (${(wallS / out.total).toFixed(2)} s per trial at 2 at a time)`)
console.log(`best by f1: ${JSON.stringify(best.params)} → precision ${pct(best.metrics!.precision)}, recall ${pct(best.metrics!.recall)}, FPR ${pct(best.metrics!.fpr)}, f1 ${best.metrics!.f1.toFixed(4)}`)
console.log(`highest precision: ${JSON.stringify(byPrecision.params)} → precision ${pct(byPrecision.metrics!.precision)}, recall ${pct(byPrecision.metrics!.recall)}, FPR ${pct(byPrecision.metrics!.fpr)}`)
console.log(`seed targets (precision >= 95.3 %, recall >= 87.1 %, FPR <= 11.8 %) met by ${out.targetsMetBy.length} trial(s)`)

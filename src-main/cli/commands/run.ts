/** `workbench run <spec.json>`: run an experiment headless in a worker process, print its results. */
import { readFileSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { resolve } from 'node:path'
import { countTrials } from '../../core/search/expand'
import { parseSpecText, SpecError, type ExperimentSpec } from '../../core/search/spec'
import { seedSpread, spread, withRepeats, type SeedGroup } from '../../core/search/repeats'
import type { ContractClient } from '../contract-client'
import { WAITING_FOR_AGENT, type RunDetail, type Leaderboard, type RemoteStatus } from '../../contract/api'
import { EXIT_FAILURE, EXIT_OK, UsageError, printJson, progressBar, pct, num, duration, table } from '../output'

/** Minimum gap between two redraws of the progress bar (events come faster while trials train). */
const REDRAW_MS = 200

/**
 * Queues the spec's trials (only those not done yet: a re-run of an interrupted search resumes
 * it), runs this experiment's queue to the end with a progress bar on stderr, then prints the
 * run (one trial) or the leaderboard (a search). All through the contract: `experiments.queue`
 * (this host serving only this search), `queue.retry`, `queue.wait`, and the `queue.changed` /
 * `run.changed` events for the progress bar.
 */
export async function runCommand(
  open: (host: { concurrency?: number }) => ContractClient,
  file: string,
  opts: { json: boolean; requireTargets: boolean; repeat?: number; remote?: RemoteOption }
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
    if (opts.repeat !== undefined) spec = withRepeats(spec, opts.repeat)
  } catch (err) {
    if (err instanceof SpecError || opts.repeat !== undefined) throw new UsageError((err as Error).message)
    throw err
  }
  // This host runs only this search: as many trials at once as it has, up to one per core; the
  // cores left over go to each trial as threads (host/compute-threads.ts), so a lone trial, such
  // as a full-size training, splits its batches over every core. Agents bring their own cores.
  const client = open({ concurrency: opts.remote ? undefined : Math.min(availableParallelism(), countTrials(spec)) })
  // Ctrl-C or SIGTERM (a service manager, `kill`), from here on: stop now; running trials are
  // marked interrupted and go back to the queue in one write each, and the next `run` resumes.
  let bar: ReturnType<typeof progressBar> | null = null
  const interrupt = (signal: NodeJS.Signals) => {
    bar?.stop()
    process.stderr.write(`\n${signal === 'SIGINT' ? 'interrupted' : `stopped by ${signal}`}: the search resumes where it stopped when you run it again\n`)
    void client.close().then(() => process.exit(signal === 'SIGINT' ? 130 : 143))
  }
  process.once('SIGINT', interrupt)
  process.once('SIGTERM', interrupt)
  try {
    if (opts.remote) await connectRemote(client, opts.remote)
    return await runToEnd(client, spec, file, opts, (b) => (bar = b))
  } finally {
    process.off('SIGINT', interrupt)
    process.off('SIGTERM', interrupt)
  }
}

/** `--redis URL [--local-slots N] [--queue Q]`: what `run` connects to before it queues. */
interface RemoteOption {
  url: string
  localSlots?: number
  queue?: string
}

/** Connects this run's host to the agents (for this run only); a server that refuses says why and stops the run. */
async function connectRemote(client: ContractClient, remote: RemoteOption): Promise<void> {
  const { check, status } = await client.call('remote.connect', { url: remote.url, localSlots: remote.localSlots, queue: remote.queue, remember: false })
  if (!check.ok) throw new UsageError(`--redis: ${check.message}`)
  const agents = status.agents.filter((a) => !a.paused)
  process.stderr.write(
    `remote runners: Redis ${check.version} at ${status.url}, queue '${status.queue}', ${agents.length} agent${agents.length === 1 ? '' : 's'} (${status.remoteSlots} slot${status.remoteSlots === 1 ? '' : 's'}) now, ${status.localSlots} local slot${status.localSlots === 1 ? '' : 's'}\n`
  )
}

async function runToEnd(
  client: ContractClient,
  spec: ExperimentSpec,
  file: string,
  opts: { json: boolean; requireTargets: boolean; repeat?: number },
  showing: (bar: ReturnType<typeof progressBar>) => void
): Promise<number> {
  // A CLI run serves its own search only: focused before the first trial starts, or an older
  // queued trial (say, one requeued after a crash) would take the slot first.
  const queued = await client.call('experiments.queue', { spec, source: resolve(file), focus: true })
  const experimentId = queued.experimentId
  // Failed trials of an earlier attempt get another try; done ones are never rerun.
  await client.call('queue.retry', { experimentId, includeCancelled: false })
  if (queued.alreadyDone > 0) process.stderr.write(`${queued.alreadyDone} of ${queued.total} trials already done in this workspace; running the rest\n`)
  // A search that asks for more trials at once than this host runs says so, and why.
  const slots = (await client.call('app.info', {})).concurrency
  if (queued.total > 1 && spec.concurrency !== undefined && spec.concurrency > slots) {
    process.stderr.write(`runs ${slots} trial${slots === 1 ? '' : 's'} at a time, not the ${spec.concurrency} the spec asks for: this host has ${slots} trial slot${slots === 1 ? '' : 's'} (one per CPU core)\n`)
  }

  const single = queued.total === 1
  // Remote runners with no local slot and no agent: nothing starts until an agent comes, and the bar says so.
  let remote: RemoteStatus = await client.call('remote.status', {})
  const noRunner = () => remote.state !== 'off' && remote.localSlots === 0 && remote.remoteSlots === 0
  const bar = progressBar(single ? spec.name : `${spec.name} (${queued.total} trials)`)
  showing(bar)
  const draw = (board: Leaderboard) => {
    const c = board.experiment.counts
    const finished = c.done + c.failed + c.cancelled + c.skipped
    const live = board.rows.filter((r) => r.progress)
    const partial = live.reduce((a, r) => a + r.progress!.fraction, 0)
    const fraction = (finished + partial) / Math.max(1, board.experiment.total)
    // Remote trials no agent can run say so, rather than a bar that looks stuck.
    const waiting = live.filter((r) => r.progress!.stage === WAITING_FOR_AGENT).length
    const unstarted = board.experiment.total - finished - c.running
    if (noRunner() && unstarted > 0) {
      return bar.update(fraction, WAITING_FOR_AGENT, `${finished}/${board.experiment.total} done; no agent serves queue '${remote.queue}' and there are no local slots: start \`workbench agent --redis URL\` on a machine`)
    }
    const message = single
      ? (live[0]?.progress?.message ?? '')
      : `${finished}/${board.experiment.total} done, ${c.running - waiting} running${waiting ? `, ${waiting} waiting for an agent` : ''}${c.failed ? `, ${c.failed} failed` : ''}${board.experiment.best ? `, best ${board.experiment.objective.metric} ${num(board.experiment.best.value)}` : ''}`
    bar.update(fraction, single ? (live[0]?.progress?.stage ?? 'queued') : 'trials', message)
  }
  // Redrawn from the events, at most every REDRAW_MS and one board read at a time; the wait
  // itself is the host's (`queue.wait`), which also hears trials other processes finish.
  let last = 0
  let reading = false
  let ended = false
  const onChange = () => {
    const now = Date.now()
    if (ended || reading || now - last < REDRAW_MS) return
    last = now
    reading = true
    client
      .call('queue.leaderboard', { experimentId })
      .then((board) => {
        if (!ended) draw(board)
      })
      .catch(() => {
        // A redraw that fails costs that frame only; the wait reports real trouble.
      })
      .finally(() => (reading = false))
  }
  const offRun = client.on('run.changed', (run) => {
    if (run.experimentId === experimentId) onChange()
  })
  const offQueue = client.on('queue.changed', (e) => {
    if (e.experimentId === experimentId) onChange()
  })
  const offRemote = client.on('remote.changed', (status) => {
    remote = status
    onChange()
  })
  onChange()
  try {
    await client.call('queue.wait', { experimentId })
  } finally {
    ended = true
    offRun()
    offQueue()
    offRemote()
  }

  // What this command queued: an experiment of the same name may hold trials of earlier specs.
  const full = await client.call('queue.leaderboard', { experimentId })
  draw(full)
  bar.stop()
  const mine = new Set(queued.trialIds)
  const board = { ...full, rows: full.rows.filter((r) => mine.has(r.trialId)) }
  const anyMet = board.rows.some((r) => r.targetsMet)
  if ((opts.repeat ?? 1) > 1) {
    const groups = seedSpread(board.rows)
    if (opts.json) printJson({ ...searchJson(board), repeat: opts.repeat, groups })
    else printSeedGroups(spec.name, groups, board)
    const failed = board.rows.filter((r) => r.status !== 'done').length
    if (failed > 0) process.stderr.write(`${failed} of ${board.rows.length} repeats did not finish; the spread is over the others\n`)
    return groups.length === 0 ? EXIT_FAILURE : failed > 0 ? EXIT_FAILURE : EXIT_OK
  }
  if (single) {
    // This command's trial (not the leaderboard's top row: an experiment of the same name may
    // hold other trials from earlier specs).
    const runId = board.rows.find((r) => r.trialId === queued.trialIds[0])!.runId!
    const detail = await client.call('runs.get', { id: runId })
    if (opts.json) printJson({ ...runJson(detail), experimentId })
    else printRun(detail)
    if (detail.status !== 'done') return EXIT_FAILURE
  } else {
    if (opts.json) printJson(searchJson(board))
    else printLeaderboard(board)
    if (board.experiment.counts.done === 0) return EXIT_FAILURE
    // A failed trial fails the command (retry re-runs only those: `workbench run` again).
    if (board.experiment.counts.failed > 0) {
      process.stderr.write(`${board.experiment.counts.failed} of ${board.experiment.total} trials failed; run the spec again to retry them\n`)
      return EXIT_FAILURE
    }
  }
  const hasTargets = spec.targets.length > 0
  if (opts.requireTargets && hasTargets && !anyMet) {
    process.stderr.write('no trial met every target (--require-targets)\n')
    return EXIT_FAILURE
  }
  return EXIT_OK
}

/**
 * The machine-readable shape of a search: the experiment, its winner (chosen on validation, with
 * its test metrics reported) and every trial, ranked.
 */
export function searchJson(board: Leaderboard): Record<string, unknown> {
  const e = board.experiment
  const winner = board.rows.find((r) => r.rank === 1) ?? null
  return {
    experimentId: e.id,
    experiment: e.name,
    modelKind: e.modelKind,
    search: e.search,
    total: e.total,
    counts: e.counts,
    objective: e.objective,
    rankedOn: board.rankedOn,
    winner: winner && {
      trialId: winner.trialId,
      runId: winner.runId,
      params: winner.params,
      chosenOn: board.rankedOn,
      objectiveValue: winner.objectiveValue,
      validationMetrics: winner.validationMetrics,
      testMetrics: winner.metrics,
      targetsMet: winner.targetsMet
    },
    best: e.best,
    summary: searchSummary(board),
    targetsMet: e.targetsMetBy.length > 0,
    targetsMetBy: e.targetsMetBy,
    trials: board.rows.map((r) => ({
      trialId: r.trialId,
      runId: r.runId,
      rank: r.rank,
      status: r.status,
      attempts: r.attempts,
      params: r.params,
      objectiveValue: r.objectiveValue,
      validationMetrics: r.validationMetrics,
      metrics: r.metrics,
      targets: r.targets,
      targetsMet: r.targetsMet,
      durationMs: r.durationMs
    }))
  }
}

export function printLeaderboard(board: Leaderboard, limit = 30): void {
  const e = board.experiment
  const c = e.counts
  const keys = board.searchedParams
  const head = [
    `${e.name}: ${e.total} trials (${c.done} done, ${c.failed} failed, ${c.cancelled} cancelled, ${c.skipped} skipped, ${c.queued} queued)`,
    `ranked by ${e.objective.metric} on ${board.rankedOn}${board.rankedOn === 'validation' ? ' (test metrics are reported, not chosen on)' : ' (CHOSEN ON TEST: an optimistic estimate)'}` +
      `${e.targetsMetBy.length ? `; targets met by trial(s) ${e.targetsMetBy.join(', ')}` : '; no trial met every target'}`,
    ''
  ]
  const rows = board.rows.slice(0, limit).map((r) => [
    r.rank === null ? '-' : String(r.rank),
    String(r.trialId),
    r.runId === null ? '-' : String(r.runId),
    r.status,
    ...keys.map((k) => String(r.params[k])),
    rateOrNum(e.objective.metric, r.validationMetrics?.[e.objective.metric]),
    pct(r.metrics?.precision),
    pct(r.metrics?.recall),
    pct(r.metrics?.fpr),
    num(r.metrics?.f1),
    num(r.metrics?.rocAuc),
    r.targets.length === 0 ? '-' : `${r.targets.filter((t) => t.met).length}/${r.targets.length}${r.targetsMet ? ' *' : ''}`
  ])
  process.stdout.write(
    head.join('\n') +
      table(['rank', 'trial', 'run', 'status', ...keys, `val ${e.objective.metric}`, 'test precision', 'recall', 'fpr', 'f1', 'auc', 'targets'], rows) +
      (board.rows.length > limit ? `\n… ${board.rows.length - limit} more (--json for all)` : '') +
      '\n'
  )
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
    agent: d.agent,
    datasets: d.datasets,
    startedAt: d.startedAt,
    finishedAt: d.finishedAt,
    durationMs: d.durationMs,
    threshold: d.threshold,
    metrics: d.metrics,
    validationMetrics: d.validationMetrics,
    trainMetrics: d.trainMetrics,
    confusion: d.confusion,
    targets: d.targets,
    targetsMet: d.targetsMet,
    recallByType: d.recallByType,
    epochs: d.epochs,
    /** Global feature importance (null until computed; `featureImportanceState` says why). */
    featureImportance: d.featureImportance,
    featureImportanceState: d.featureImportanceState,
    /** Point-wise test metrics (window scores assigned to rows by the 'last' rule), beside the window-wise ones. */
    pointMetrics: d.pointMetrics,
    /** A per-segment run's segments (the pooled metrics are `metrics`). */
    perSegment: d.perSegment,
    /** Rows in each part of the split (datasets[].rows are the whole versions'). */
    partRows: d.partRows
  }
}

export function printRun(d: RunDetail): void {
  const out: string[] = []
  out.push(`run ${d.id}  ${d.experimentName}  ${d.modelKind}  ${d.status}${d.statusReason ? ` (${d.statusReason})` : ''}  ${duration(d.durationMs)}`)
  out.push(`params: ${JSON.stringify(d.params)}`)
  for (const ds of d.datasets) out.push(`${ds.role} version: ${ds.name}  ${ds.rows} rows x ${ds.columns.length}  anomalies ${pct(ds.anomalyRate)}  version ${ds.id.slice(0, 12)}`)
  if (d.partRows) out.push(`split: train ${d.partRows.train} rows, validation ${d.partRows.validation}, test ${d.partRows.test}`)
  if (d.metrics) {
    const parts = [
      ['validation', d.validationMetrics],
      ['test', d.metrics],
      ['train', d.trainMetrics]
    ] as const
    const shown = parts.filter(([, m]) => m)
    out.push('')
    out.push(
      table(
        ['metric', ...shown.map(([name]) => name)],
        (['accuracy', 'precision', 'recall', 'f1', 'fpr', 'specificity', 'rocAuc', 'averagePrecision'] as const).map((k) => [
          k,
          ...shown.map(([, m]) => rateOrNum(k, m![k]))
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
  if (d.pointMetrics) {
    const p = d.pointMetrics
    out.push('')
    out.push(
      `point-wise (test rows, '${p.rule}' rule): precision ${pct(p.precision)}, recall ${pct(p.recall)}, F1 ${pct(p.f1)}, false alarms ${pct(p.falseAlarmRate)}, ` +
        `missed alarms ${pct(p.missedAlarmRate)}; ${p.scored} of ${p.rows} rows scored${p.unscored ? ` (${p.unscored} without a score)` : ''}; events caught ${p.events.caught}/${p.events.episodes}`
    )
  }
  if (d.perSegment) {
    out.push('')
    out.push(`per segment (${d.perSegment.length} models; the metrics above pool them):`)
    out.push(
      table(
        ['segment', 'train', 'val', 'test', 'threshold', 'precision', 'recall', 'f1', 'fpr'],
        d.perSegment.map((s) => [s.segment, String(s.rows.train), String(s.rows.validation), String(s.rows.test), num(s.threshold), pct(s.metrics.precision), pct(s.metrics.recall), pct(s.metrics.f1), pct(s.metrics.fpr)])
      )
    )
  }
  if (d.targets.length > 0) {
    out.push('')
    out.push('targets:')
    for (const t of d.targets) out.push(`  ${t.met ? 'met    ' : 'NOT met'}  ${t.text}  (actual ${t.actual == null ? '-' : num(t.actual)})`)
  }
  process.stdout.write(out.join('\n') + '\n')
}

/** Mean ± spread of each metric over the seeds of each param group (`run --repeat N`). */
export function printSeedGroups(name: string, groups: SeedGroup[], board: Leaderboard): void {
  const keys = ['accuracy', 'precision', 'recall', 'f1', 'fpr', 'rocAuc', 'averagePrecision']
  const out: string[] = []
  for (const g of groups) {
    const varied = board.searchedParams.filter((k) => k !== 'seed').map((k) => `${k}=${JSON.stringify(g.params[k])}`)
    out.push(`${name}${varied.length ? ` (${varied.join(', ')})` : ''}: ${g.seeds.length} seeds (${g.seeds.join(', ')}), runs ${g.runIds.join(', ')} — test metrics`)
    out.push(
      table(
        ['metric', 'mean', 'std', 'min', 'max'],
        keys.filter((k) => g.metrics[k]).map((k) => {
          const m = g.metrics[k]
          const f = k === 'rocAuc' || k === 'averagePrecision' ? (x: number) => num(x) : (x: number) => pct(x)
          return [k, f(m.mean), k === 'rocAuc' || k === 'averagePrecision' ? num(m.std) : pct(m.std), f(m.min), f(m.max)]
        })
      )
    )
    out.push('')
  }
  process.stdout.write(out.join('\n'))
}

/** A metric formatted as the CLI shows it: AUC-like values as numbers, rates as percentages. */
function rateOrNum(metric: string, x: number | null | undefined): string {
  return metric === 'rocAuc' || metric === 'averagePrecision' || metric.startsWith('loss') ? num(x) : pct(x)
}

/**
 * The search pooled: how its trials ended, and the spread of the objective over the finished
 * ones on validation (what the winner was chosen on) and on test (reported).
 */
export function searchSummary(board: Leaderboard): Record<string, unknown> {
  const metric = board.experiment.objective.metric
  const finished = board.rows.filter((r) => r.status === 'done')
  const values = (pick: (r: (typeof finished)[number]) => number | undefined) =>
    finished.map(pick).filter((v): v is number => typeof v === 'number' && Number.isFinite(v))
  const val = values((r) => r.validationMetrics?.[metric])
  const test = values((r) => r.metrics?.[metric])
  return {
    trials: board.rows.length,
    done: finished.length,
    failed: board.rows.filter((r) => r.status === 'failed').length,
    targetsMet: finished.filter((r) => r.targetsMet).length,
    objective: { metric, validation: val.length ? spread(val) : null, test: test.length ? spread(test) : null }
  }
}

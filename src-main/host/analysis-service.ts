/**
 * Error analysis over a finished run's stored scores: every split's metrics at a threshold (the
 * reference the threshold studio's in-browser sweep matches, and what the CLI prints), "pick for
 * targets" on validation with test reported at it, threshold decisions saved with the run, and
 * the error lists. The arithmetic lives in core/eval (ThresholdSweep, pickThreshold, errorPage);
 * this service loads, caches and words it.
 *
 * One sweep per (run, split) is built on first use and kept (a run's stored scores never change
 * once it finished): the error list pages and slider-rate calls reuse it.
 */
import type { Db } from '../core/store/database'
import * as runs from '../core/store/runs-repo'
import * as thresholds from '../core/store/thresholds-repo'
import { getExperiment } from '../core/store/experiments-repo'
import type { LabelledSeries } from '../core/data/series'
import { segmentsOf } from '../core/data/series'
import { ThresholdSweep, type SweepReport } from '../core/eval/threshold-sweep'
import { pickThreshold, type ThresholdPick as EnginePick } from '../core/eval/threshold-pick'
import { splitEpisodes, type SplitEpisodes } from '../core/eval/split-episodes'
import { errorPage } from '../core/eval/error-list'
import { checkTargets, type Target } from '../core/eval/targets'
import { planPick, pickBasis } from '../core/eval/threshold-decision'
import type { z } from 'zod'
import {
  ApiError,
  type methods,
  type MethodName,
  type MethodOutput,
  type RunScores,
  type ScoreSplit,
  type SplitMetrics,
  type RunThresholds,
  type ThresholdDecision,
  type SplitAtThreshold,
  type ThresholdPick,
  type TargetResult
} from '../contract/api'

export interface AnalysisSources {
  /** A split's stored scores with the dataset's type names (`runs.scores`); throws not_found when absent. */
  scores(id: number, split: ScoreSplit): RunScores
  /** A dataset version's series (the datasets service caches them). */
  series(datasetId: string): LabelledSeries
}

interface SplitContext {
  scores: RunScores
  sweep: ThresholdSweep
  /** Null when the windows cannot be traced to rows; `eventsNote` says why. */
  episodes: SplitEpisodes | null
  series: LabelledSeries | null
  eventsNote: string | null
}

type ThresholdFrom = 'request' | 'chosen' | 'trained'
/** A method's input as the handler receives it (validated, defaults filled in). */
type In<M extends MethodName> = z.output<(typeof methods)[M]['input']>

/** Sweeps kept: a run page shows test and validation; a compare page a few runs. */
const CACHE_SIZE = 4

export class AnalysisService {
  private readonly cache = new Map<string, SplitContext>()

  constructor(
    private readonly db: Db,
    private readonly sources: AnalysisSources
  ) {}

  /** The run's trained threshold, the decision in force and every decision. */
  thresholds(runId: number, trained: number | null): RunThresholds {
    const history = thresholds.listDecisions<SplitMetrics>(this.db, runId) as ThresholdDecision[]
    const chosen = thresholds.currentDecision<SplitMetrics>(this.db, runId) as ThresholdDecision | null
    return { trained, chosen, effective: chosen?.threshold ?? trained, history }
  }

  report({ id, threshold }: In<'runs.threshold'>): MethodOutput<'runs.threshold'> {
    const run = this.finishedRun(id)
    const at = this.resolveThreshold(run, threshold)
    const splits = runs.scoreSplits(this.db, id).map((s): SplitAtThreshold => {
      const ctx = this.context(id, s.split as ScoreSplit)
      return { split: s.split as ScoreSplit, datasetId: s.datasetId, windows: s.count, traced: s.traced, metrics: this.metricsAt(ctx, at.threshold), eventsNote: ctx.eventsNote }
    })
    if (splits.length === 0) throw new ApiError('not_found', `run ${id} stored no per-window scores`, 'id')
    return { runId: id, threshold: at.threshold, thresholdFrom: at.from, thresholds: this.thresholds(id, run.threshold), splits }
  }

  pick({ id, rule }: In<'runs.pickThreshold'>): ThresholdPick {
    const run = this.finishedRun(id)
    const stored = runs.scoreSplits(this.db, id).map((s) => s.split)
    if (!stored.includes('validation')) {
      throw new ApiError(
        'bad_input',
        `run ${id} stored no validation scores (it has: ${stored.join(', ') || 'none'}): a threshold is chosen on validation and only reported on test, ` +
          'so none can be picked for this run (train it again with a validation part in its split)',
        'id'
      )
    }
    const spec = getExperiment(this.db, run.experimentId)?.spec as { objective?: { metric: string; direction: 'maximize' | 'minimize' } } | undefined
    const plan = planPick({
      rule,
      targets: run.targets.map((t): Target => ({ metric: t.metric, op: t.op, value: t.value, text: t.text })),
      objective: spec?.objective ?? { metric: 'f1', direction: 'maximize' },
      horizons: Array.isArray(run.params.horizons) ? (run.params.horizons as string[]) : null
    })
    const val = this.context(id, 'validation')
    let chosen: EnginePick
    try {
      chosen = pickThreshold(val.sweep, plan.options)
    } catch (err) {
      throw new ApiError('bad_input', `run ${id}: ${(err as Error).message}`, 'rule')
    }
    const t = chosen.threshold
    const test = stored.includes('test') ? this.context(id, 'test') : null
    const part = <S extends 'validation' | 'test'>(split: S, ctx: SplitContext) => {
      const metrics = this.metricsAt(ctx, t)
      return { split, datasetId: ctx.scores.datasetId, windows: ctx.scores.count, metrics, targets: targetResults(checkTargets(metricValues(metrics), plan.options.targets)), eventsNote: ctx.eventsNote }
    }
    return {
      runId: id,
      rule,
      decidedBy: chosen.rule,
      threshold: t,
      chosenOn: 'validation',
      reportedOn: 'test',
      objective: { ...chosen.objective, value: finiteOrNull(chosen.objective.value) },
      candidates: chosen.candidates,
      meetingTargets: chosen.meetingTargets,
      basis: pickBasis(rule, chosen, plan),
      trainedThreshold: run.threshold,
      validation: part('validation', val),
      test: test ? part('test', test) : null
    }
  }

  /** Saves a decision; a `pick-*` one must be what that pick chooses now (the basis saved with it says how). */
  setThreshold({ id, threshold, source, note }: In<'runs.setThreshold'>): RunThresholds {
    const run = this.finishedRun(id)
    if (!runs.scoreSplits(this.db, id).some((s) => s.split === 'test')) {
      throw new ApiError('bad_input', `run ${id} stored no test scores: a threshold decision records the test metrics at its threshold, so none can be saved`, 'id')
    }
    let basis = 'set by hand'
    if (source !== 'manual') {
      const rule = source === 'pick-targets' ? 'targets' : 'objective'
      const p = this.pick({ id, rule })
      if (p.threshold !== threshold) {
        throw new ApiError('bad_input', `threshold ${threshold} is not what ${source} chooses on validation (${p.threshold}): pick again, or save it as 'manual'`, 'threshold')
      }
      basis = p.basis
    }
    this.decide(id, threshold, source, basis, note)
    return this.thresholds(id, run.threshold)
  }

  resetThreshold({ id, note }: In<'runs.resetThreshold'>): RunThresholds {
    const run = this.finishedRun(id)
    if (run.threshold === null) throw new ApiError('bad_input', `run ${id} recorded no trained threshold to go back to`, 'id')
    this.decide(id, run.threshold, 'trained', 'back to the trained threshold', note)
    return this.thresholds(id, run.threshold)
  }

  errors(q: In<'runs.errors'>): MethodOutput<'runs.errors'> {
    const run = this.finishedRun(q.id)
    const ctx = this.context(q.id, q.split)
    const s = ctx.scores
    if (!s.starts || s.windowLength === null || !s.datasetId) {
      throw new ApiError(
        'bad_input',
        `run ${q.id}'s ${q.split} scores were stored before scores were traced to rows: its errors cannot be listed (run the experiment again to store traced scores)`,
        'split'
      )
    }
    if (!ctx.episodes || !ctx.series) throw new ApiError('bad_input', `run ${q.id}'s ${q.split} errors cannot be listed: ${ctx.eventsNote}`, 'split')
    const at = this.resolveThreshold(run, q.threshold)
    const page = errorPage(
      {
        scores: s.scores,
        labels: s.labels,
        types: s.types,
        typeNames: s.typeNames,
        starts: s.starts,
        windowLength: s.windowLength,
        timestamps: ctx.series.timestamps,
        segmentIds: segmentsOf(ctx.series).map((g) => g.id),
        episodes: ctx.episodes
      },
      { threshold: at.threshold, kind: q.kind, sort: q.sort, order: q.order, offset: q.offset, limit: q.limit }
    )
    return {
      runId: q.id,
      split: q.split,
      kind: q.kind,
      threshold: at.threshold,
      thresholdFrom: at.from,
      windowLength: s.windowLength,
      datasetId: s.datasetId,
      ...page
    }
  }

  private decide(id: number, threshold: number, source: ThresholdDecision['source'], basis: string, note: string | undefined): void {
    const stored = runs.scoreSplits(this.db, id).map((s) => s.split)
    const at = (split: ScoreSplit) => (stored.includes(split) ? this.metricsAt(this.context(id, split), threshold) : null)
    thresholds.addDecision<SplitMetrics>(this.db, { runId: id, threshold, source, basis, note: note?.trim() || null, validation: at('validation'), test: at('test') })
  }

  private finishedRun(id: number): runs.RunRecord {
    const run = runs.getRun(this.db, id)
    if (!run) throw new ApiError('not_found', `run ${id} not found`, 'id')
    if (run.status !== 'done') throw new ApiError('bad_input', `run ${id} is ${run.status}: thresholds and errors are analysed on a finished run`, 'id')
    return run
  }

  /** The threshold asked for, else the decision in force, else the trained one. */
  private resolveThreshold(run: runs.RunRecord, given: number | undefined): { threshold: number; from: ThresholdFrom } {
    if (given !== undefined) return { threshold: given, from: 'request' }
    const chosen = thresholds.currentDecision(this.db, run.id)
    if (chosen) return { threshold: chosen.threshold, from: 'chosen' }
    if (run.threshold !== null) return { threshold: run.threshold, from: 'trained' }
    throw new ApiError('bad_input', `run ${run.id} recorded no threshold: give one`, 'threshold')
  }

  private context(id: number, split: ScoreSplit): SplitContext {
    const key = `${id}:${split}`
    const hit = this.cache.get(key)
    if (hit) {
      this.cache.delete(key)
      this.cache.set(key, hit)
      return hit
    }
    const scores = this.sources.scores(id, split)
    let episodes: SplitEpisodes | null = null
    let series: LabelledSeries | null = null
    let eventsNote: string | null = null
    if (!scores.starts || scores.windowLength === null || !scores.datasetId) {
      eventsNote = 'these scores were stored before scores were traced to rows, so windows cannot be matched to labelled episodes'
    } else {
      try {
        series = this.sources.series(scores.datasetId)
        episodes = splitEpisodes(series, scores.starts, scores.windowLength)
      } catch (err) {
        eventsNote = `the windows cannot be matched to the rows of dataset version ${scores.datasetId.slice(0, 12)}: ${(err as Error).message}`
        episodes = null
      }
    }
    const sweep = new ThresholdSweep({
      scores: scores.scores,
      labels: scores.labels,
      types: scores.types ? { codes: scores.types, names: scores.typeNames } : null,
      episodes: episodes?.index ?? null
    })
    const ctx: SplitContext = { scores, sweep, episodes, series, eventsNote }
    this.cache.set(key, ctx)
    while (this.cache.size > CACHE_SIZE) this.cache.delete(this.cache.keys().next().value!)
    return ctx
  }

  private metricsAt(ctx: SplitContext, threshold: number): SplitMetrics {
    return splitMetrics(ctx.sweep.at(threshold), ctx.series?.intervalMs ?? null)
  }
}

/** A sweep report in the contract's shape: undefined values null, delays also in time. */
export function splitMetrics(r: SweepReport, intervalMs: number | null): SplitMetrics {
  return {
    threshold: r.threshold,
    confusion: r.confusion,
    accuracy: r.accuracy,
    precision: r.precision,
    recall: r.recall,
    f1: r.f1,
    fpr: r.fpr,
    specificity: r.specificity,
    fnr: r.fnr,
    balancedAccuracy: r.balancedAccuracy,
    rocAuc: finiteOrNull(r.rocAuc),
    averagePrecision: finiteOrNull(r.averagePrecision),
    support: r.support,
    flagged: r.flagged,
    unscored: r.unscored,
    perType: r.perType,
    events: r.events
      ? {
          ...r.events,
          meanDelayMs: r.events.meanDelayRows !== null && intervalMs !== null ? r.events.meanDelayRows * intervalMs : null
        }
      : null
  }
}

function finiteOrNull(x: number): number | null {
  return Number.isFinite(x) ? x : null
}

/** The metric names targets read, from a split's metrics. */
function metricValues(m: SplitMetrics): Record<string, number> {
  const out: Record<string, number> = {}
  for (const [k, v] of Object.entries(m)) if (typeof v === 'number') out[k] = v
  return out
}

function targetResults(checks: ReturnType<typeof checkTargets>): TargetResult[] {
  return checks.map((c) => ({ text: c.text, metric: c.metric, op: c.op, value: c.value, actual: c.actual, met: c.met }))
}

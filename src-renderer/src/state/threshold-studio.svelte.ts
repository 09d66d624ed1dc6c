import { flushSync } from 'svelte'
import type { EventRecallInfo, RunScores, RunThresholds, SplitAtThreshold, ThresholdPick, ThresholdSource } from '../../../src-main/contract/api'
import { scoreHistogram, type ScoreHistogram } from '../../../src-main/core/eval/metrics'
import { ThresholdSweep, type OperatingPoint, type SweepCurves, type SweepReport } from '../../../src-main/core/eval/threshold-sweep'
import type { WorkbenchClient } from '../api/client'
import { errorMessage } from '../api/types'
import { ascendingScores, positionOf, thresholdAt } from '../lib/threshold-studio'
import { actionStarted, dataDrawn, nextAction, viewDrawn } from './perf'

/** Points per ROC / PR curve: enough for the shape, few enough to redraw within a frame. */
const CURVE_POINTS = 200
/** Bins of the score distribution. */
const HISTOGRAM_BINS = 60
/** How long the slider must rest before the host is asked for the event-level metrics. */
const EVENTS_DEBOUNCE_MS = 120

/** What the studio needs to know of its run (read live from the run page's detail). */
export interface StudioRun {
  /** The run's thresholds: trained, chosen, history. */
  thresholds(): RunThresholds | null
  /** Whether the run stored validation scores (a pick needs them). */
  hasValidation(): boolean
  /** Called after a decision was saved (the run page re-fetches the run). */
  onSaved(): void
}

/**
 * The threshold studio of one run (issue 10 part 2): loads the run's stored test scores once
 * (`runs.scores`, typed arrays), builds a ThresholdSweep in the page, and then every threshold
 * move is a few binary searches. Moves are coalesced to one update per animation frame: the
 * slider can fire many input events per frame, the page recomputes and redraws once. Components
 * read `threshold` / `report` / `point`; the charts redraw only their markers.
 *
 * Event-level recall needs the episodes of the split's rows, which only the host has: it comes
 * from `runs.threshold` once the slider rests (`events`, for `eventsThreshold`).
 *
 * Timings go to `window.__workbenchPerf` under kind `threshold`: instant = input → recomputed and
 * every chart redrawn (DOM updated), settled = input → the frame painted.
 */
export class ThresholdStudio {
  loading = $state(true)
  error = $state<string | null>(null)
  /** The test split's stored scores (what the slider sweeps). */
  scores = $state.raw<RunScores | null>(null)
  /** The threshold shown (null until the scores are in). */
  threshold = $state<number | null>(null)
  /** Every metric of the test split at `threshold`. */
  report = $state.raw<SweepReport | null>(null)
  /** The test metrics at the trained threshold (what the slider's numbers are compared with). */
  baseline = $state.raw<SweepReport | null>(null)
  /** The ROC / PR operating point at `threshold`. */
  point = $state.raw<OperatingPoint | null>(null)
  curves = $state.raw<SweepCurves | null>(null)
  /** Threshold-free ranking metrics of the test split (set once: the curves' legends read them, and must not change per move). */
  ranking = $state.raw<{ rocAuc: number; averagePrecision: number } | null>(null)
  histogram = $state.raw<ScoreHistogram | null>(null)
  /** Slider position (index into the distinct scores, ascending). */
  position = $state(0)

  /** Event-level recall on test at `eventsThreshold` (from the host); null before the first answer or when untraced. */
  events = $state.raw<EventRecallInfo | null>(null)
  eventsThreshold = $state<number | null>(null)
  /** Why there are no event metrics (e.g. scores stored before tracing). */
  eventsNote = $state<string | null>(null)
  eventsError = $state<string | null>(null)

  picking = $state<'targets' | 'objective' | null>(null)
  pick = $state.raw<ThresholdPick | null>(null)
  pickError = $state<string | null>(null)

  saving = $state(false)
  saveError = $state<string | null>(null)
  note = $state('')

  private sweep: ThresholdSweep | null = null
  /** Distinct test scores ascending: the slider's positions. */
  private asc: Float64Array = new Float64Array(0)
  private pending: number | null = null
  private pendingAction = 0
  private frame = 0
  private eventsTimer: ReturnType<typeof setTimeout> | null = null
  private eventsSeq = 0
  private disposed = false
  private loadSeq = 0

  constructor(
    private readonly api: WorkbenchClient,
    readonly runId: number,
    private readonly run: StudioRun
  ) {
    void this.load()
  }

  /** Number of slider positions. */
  get positions(): number {
    return this.asc.length
  }

  /** Whether the windows are traced to rows (event metrics and the error inspector need it). */
  get traced(): boolean {
    return this.scores?.starts != null
  }

  /** The threshold the slider stands at is the one the last pick chose. */
  get atPick(): boolean {
    return this.pick != null && this.threshold === this.pick.threshold
  }

  /** Where the studio's threshold differs from what the run applies now (so there is something to save). */
  get unsaved(): boolean {
    const t = this.threshold
    const effective = this.run.thresholds()?.effective ?? null
    return t != null && t !== effective
  }

  async load(): Promise<void> {
    const seq = ++this.loadSeq
    this.loading = this.scores === null
    try {
      // With the episode index, event recall and delay are recomputed in the page on every move.
      const scores = await this.api.call('runs.scores', { id: this.runId, split: 'test', episodes: true })
      if (this.disposed || seq !== this.loadSeq) return
      const sweep = new ThresholdSweep({
        scores: scores.scores,
        labels: scores.labels,
        types: scores.types ? { codes: scores.types, names: scores.typeNames } : null,
        episodes: scores.episodes ?? null
      })
      this.sweep = sweep
      this.asc = ascendingScores(sweep)
      this.curves = sweep.curves(CURVE_POINTS)
      this.ranking = { rocAuc: sweep.rocAuc, averagePrecision: sweep.averagePrecision }
      const finite = finiteScores(scores.scores, scores.labels)
      this.histogram = scoreHistogram(finite.labels, finite.scores, HISTOGRAM_BINS)
      this.baseline = scores.trainedThreshold != null ? sweep.at(scores.trainedThreshold) : null
      this.scores = scores
      this.error = null
      const th = this.run.thresholds()
      const start = th?.effective ?? scores.trainedThreshold ?? thresholdAt(this.asc, this.asc.length / 2)
      this.apply(start)
    } catch (e) {
      if (this.disposed || seq !== this.loadSeq) return
      this.error = errorMessage(e)
    } finally {
      if (!this.disposed && seq === this.loadSeq) this.loading = false
    }
  }

  /** Moves to a typed or picked threshold (coalesced to the next frame). */
  setThreshold(t: number): void {
    if (!Number.isFinite(t) || !this.sweep) return
    this.schedule(t)
  }

  /** Moves to slider position `p` (coalesced to the next frame). */
  setPosition(p: number): void {
    if (!this.sweep || this.asc.length === 0) return
    this.schedule(thresholdAt(this.asc, p))
  }

  /** Moves by `delta` positions (keyboard). */
  step(delta: number): void {
    const from = this.pending ?? this.threshold
    if (from == null) return
    this.setPosition(positionOf(this.asc, from) + delta)
  }

  /** The slider position of any threshold (marks on the track). */
  positionOf(t: number): number {
    return positionOf(this.asc, t)
  }

  /** "Pick for targets" / "pick for objective": chosen on validation by the host, test reported at it. */
  async pickFor(rule: 'targets' | 'objective'): Promise<void> {
    if (this.picking || !this.run.hasValidation()) return
    this.picking = rule
    this.pickError = null
    try {
      const p = await this.api.call('runs.pickThreshold', { id: this.runId, rule })
      if (this.disposed) return
      this.pick = p
      this.setThreshold(p.threshold)
    } catch (e) {
      if (!this.disposed) this.pickError = errorMessage(e)
    } finally {
      if (!this.disposed) this.picking = null
    }
  }

  /** Saves the shown threshold as the run's (a decision, not a retrain). */
  async save(): Promise<void> {
    const t = this.threshold
    if (t == null || this.saving) return
    const pick = this.atPick ? this.pick : null
    const source: ThresholdSource = pick ? (pick.rule === 'targets' ? 'pick-targets' : 'pick-objective') : 'manual'
    await this.decide(() => {
      const note = this.note.trim()
      return this.api.call('runs.setThreshold', { id: this.runId, threshold: t, source, ...(note ? { note } : {}) })
    })
  }

  /** Goes back to the trained threshold (recorded as a decision too). */
  async resetToTrained(): Promise<void> {
    if (this.saving) return
    await this.decide(() => {
      const note = this.note.trim()
      return this.api.call('runs.resetThreshold', { id: this.runId, ...(note ? { note } : {}) })
    })
  }

  private async decide(call: () => Promise<RunThresholds>): Promise<void> {
    this.saving = true
    this.saveError = null
    try {
      const th = await call()
      if (this.disposed) return
      this.note = ''
      if (th.effective != null) this.setThreshold(th.effective)
      this.run.onSaved()
    } catch (e) {
      if (!this.disposed) this.saveError = errorMessage(e)
    } finally {
      if (!this.disposed) this.saving = false
    }
  }

  private schedule(t: number): void {
    if (this.pending === null) {
      // The first input of a frame starts the timing; later ones in the same frame join it.
      this.pendingAction = nextAction()
      actionStarted(this.pendingAction, 'threshold')
      this.frame = requestAnimationFrame(() => this.flush())
    }
    this.pending = t
  }

  private flush(): void {
    const t = this.pending
    const action = this.pendingAction
    this.pending = null
    this.frame = 0
    if (t === null || this.disposed) return
    this.apply(t)
    // Run the effects now (DOM text, chart markers) so the timing covers the redraw.
    flushSync()
    viewDrawn(action)
    // A message posted from a frame callback is handled once that frame has been painted.
    const ch = new MessageChannel()
    ch.port1.onmessage = () => {
      dataDrawn(action)
      ch.port1.close()
    }
    ch.port2.postMessage(null)
  }

  private apply(t: number): void {
    const sweep = this.sweep
    if (!sweep) return
    this.threshold = t
    this.report = sweep.at(t)
    this.point = sweep.operatingPoint(t)
    this.position = positionOf(this.asc, t)
    const local = this.report.events
    if (local) {
      // In step with the slider (the host's answer would add the delay in time; rows say it too).
      this.events = { ...local, meanDelayMs: null }
      this.eventsThreshold = t
      this.eventsNote = null
      this.eventsError = null
    } else {
      this.scheduleEvents()
    }
  }

  private scheduleEvents(): void {
    if (this.eventsTimer) clearTimeout(this.eventsTimer)
    this.eventsTimer = setTimeout(() => {
      this.eventsTimer = null
      void this.loadEvents()
    }, EVENTS_DEBOUNCE_MS)
  }

  private async loadEvents(): Promise<void> {
    const t = this.threshold
    if (t == null || this.disposed) return
    const seq = ++this.eventsSeq
    try {
      const r = await this.api.call('runs.threshold', { id: this.runId, threshold: t })
      if (this.disposed || seq !== this.eventsSeq) return
      const test: SplitAtThreshold | undefined = r.splits.find((s) => s.split === 'test')
      this.events = test?.metrics.events ?? null
      this.eventsNote = test ? test.eventsNote : 'the run stored no test scores'
      this.eventsThreshold = r.threshold
      this.eventsError = null
    } catch (e) {
      if (!this.disposed && seq === this.eventsSeq) this.eventsError = errorMessage(e)
    }
  }

  dispose(): void {
    this.disposed = true
    if (this.frame) cancelAnimationFrame(this.frame)
    if (this.eventsTimer) clearTimeout(this.eventsTimer)
  }
}

/**
 * The scores a histogram can place: NaN (unscored) and infinite scores are left out of the bins
 * (the report counts them as `unscored`).
 */
function finiteScores(scores: Float32Array, labels: Uint8Array): { scores: Float32Array; labels: Uint8Array } {
  let all = true
  for (let i = 0; i < scores.length; i++) if (!Number.isFinite(scores[i]!)) all = false
  if (all) return { scores, labels }
  const keep: number[] = []
  for (let i = 0; i < scores.length; i++) if (Number.isFinite(scores[i]!)) keep.push(i)
  return { scores: Float32Array.from(keep, (i) => scores[i]!), labels: Uint8Array.from(keep, (i) => labels[i]!) }
}

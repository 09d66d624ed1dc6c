/**
 * Redraw timings, exposed as `window.__workbenchPerf` so a Playwright script can read them
 * (bench/editor-redraw.bench.ts, bench/threshold-ui.bench.ts). Each user action has a number.
 * Dataset editor (zoom, pan): `instant` = the chart drew the new view with the data it had (the
 * axes rescaled over the old window), `settled` = it drew data fetched for that view or a later
 * one (debounce + `datasets.window` round trip + draw). Threshold studio (kind `threshold`):
 * `instant` = input → metrics recomputed and every chart redrawn, `settled` = input → that frame
 * painted. Also written as `performance.measure` entries (`workbench:<kind>:instant` / `:settled`).
 */
export interface RedrawSample {
  action: number
  kind: string
  instantMs: number | null
  settledMs: number
}

interface Pending {
  action: number
  kind: string
  t0: number
  instantMs: number | null
}

export interface WorkbenchPerf {
  samples: RedrawSample[]
  reset(): void
  /** p50 / p95 of the settled and instant times over the samples (optionally of one kind). */
  summary(kind?: string): { count: number; settledP50: number; settledP95: number; instantP50: number; instantP95: number }
  /** Number of actions still waiting for their data. */
  pending(): number
}

const pending: Pending[] = []
const samples: RedrawSample[] = []
const MAX_SAMPLES = 2000

function quantile(xs: number[], q: number): number {
  if (xs.length === 0) return NaN
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!
}

export const perf: WorkbenchPerf = {
  samples,
  reset() {
    samples.length = 0
    pending.length = 0
  },
  summary(kind) {
    const xs = kind ? samples.filter((s) => s.kind === kind) : samples
    const settled = xs.map((s) => s.settledMs)
    const instant = xs.map((s) => s.instantMs).filter((v): v is number => v != null)
    return {
      count: xs.length,
      settledP50: quantile(settled, 0.5),
      settledP95: quantile(settled, 0.95),
      instantP50: quantile(instant, 0.5),
      instantP95: quantile(instant, 0.95)
    }
  },
  pending: () => pending.length
}

let lastAction = 0

/** A fresh action number, unique on the page (the editor's and the threshold studio's share one count). */
export function nextAction(): number {
  return ++lastAction
}

/** A zoom / pan action started (the view changed). */
export function actionStarted(action: number, kind: string): void {
  pending.push({ action, kind, t0: performance.now(), instantMs: null })
  if (pending.length > 200) pending.shift()
}

/** The chart drew the view of `action` (axes only, over whatever data it had). */
export function viewDrawn(action: number): void {
  const now = performance.now()
  for (const p of pending) {
    if (p.action === action && p.instantMs == null) {
      p.instantMs = now - p.t0
      measure(`workbench:${p.kind}:instant`, p.t0, now)
    }
  }
}

/** The chart drew data good for the view of `action`: every action up to it is settled. */
export function dataDrawn(action: number): void {
  if (pending.length === 0) return
  const now = performance.now()
  for (let i = 0; i < pending.length; ) {
    const p = pending[i]!
    if (p.action <= action) {
      samples.push({ action: p.action, kind: p.kind, instantMs: p.instantMs, settledMs: now - p.t0 })
      measure(`workbench:${p.kind}:settled`, p.t0, now)
      pending.splice(i, 1)
    } else i++
  }
  if (samples.length > MAX_SAMPLES) samples.splice(0, samples.length - MAX_SAMPLES)
}

function measure(name: string, start: number, end: number): void {
  try {
    performance.measure(name, { start, end })
  } catch {
    /* older engines: the samples array still has it */
  }
}

if (typeof window !== 'undefined') {
  ;(window as unknown as { __workbenchPerf?: WorkbenchPerf }).__workbenchPerf = perf
}

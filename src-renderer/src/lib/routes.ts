/**
 * Hash routes, parsed and printed without touching the DOM (unit-tested in Node).
 * `#/runs`, `#/runs/12`, `#/experiments`, `#/queue`, `#/queue/<experiment id>` (its leaderboard),
 * `#/datasets`, `#/datasets/<hex id or prefix>`, `#/bundles`, `#/settings`; an empty hash is the runs list, anything else is
 * not found. A dataset route may carry a query: `?rows=<from>-<to>` (rows [from, to) to show) and
 * `?run=<id>` (a run whose scores to overlay), e.g. `#/datasets/3f2a9c0d?rows=100-160&run=12`.
 * A run route may name one of its stored windows to open: `#/runs/12?split=test&window=345` (the
 * window's index among the split's scores). `#/compare?runs=3,5` compares 2-4 runs.
 * `#/experiments/new` builds a search; `?file=<spec file>` or `?run=<id>` starts it from a copy.
 */
import type { ScoreSplit } from '../../../src-main/contract/api'
export type Route =
  | { name: 'runs' }
  | { name: 'run'; id: number; window?: { split: ScoreSplit; index: number } }
  | { name: 'compare'; runs: number[] }
  | { name: 'experiments' }
  | { name: 'builder'; from?: { file: string } | { run: number } }
  | { name: 'queue' }
  | { name: 'leaderboard'; experimentId: number }
  | { name: 'datasets' }
  | { name: 'dataset'; id: string; rows?: { from: number; to: number }; run?: number }
  | { name: 'bundles' }
  | { name: 'settings' }
  | { name: 'not-found'; path: string }

/**
 * @example parseHash('#/runs/12') // { name: "run", id: 12 }
 * @example parseHash('#/runs/12?split=test&window=345') // { name: "run", id: 12, window: { split: "test", index: 345 } }
 * @example parseHash('#/compare?runs=3,5') // { name: "compare", runs: [3, 5] }
 * @example parseHash('') // { name: "runs" }
 * @example parseHash('#/datasets/3f2a9c0d') // { name: "dataset", id: "3f2a9c0d" }
 * @example parseHash('#/queue/4') // { name: "leaderboard", experimentId: 4 }
 * @example parseHash('#/experiments/new?run=7') // { name: "builder", from: { run: 7 } }
 * @example parseHash('#/datasets/3f2a9c0d?rows=100-160&run=12') // { name: "dataset", id: "3f2a9c0d", rows: { from: 100, to: 160 }, run: 12 }
 */
export function parseHash(hash: string): Route {
  const [rawPath = '', query = ''] = hash.replace(/^#/, '').split('?', 2)
  const path = rawPath.replace(/\/+$/, '') || '/runs'
  const parts = path.split('/').filter(Boolean)
  if (parts.length === 0) return { name: 'runs' }
  if (parts[0] === 'runs') {
    if (parts.length === 1) return { name: 'runs' }
    if (parts.length === 2 && /^\d+$/.test(parts[1]!)) return { name: 'run', id: Number(parts[1]), ...runQuery(query) }
  }
  if (parts[0] === 'compare' && parts.length === 1) return { name: 'compare', runs: compareQuery(query) }
  if (parts[0] === 'experiments' && parts.length === 1) return { name: 'experiments' }
  if (parts[0] === 'experiments' && parts.length === 2 && parts[1] === 'new') return { name: 'builder', ...builderQuery(query) }
  if (parts[0] === 'queue') {
    if (parts.length === 1) return { name: 'queue' }
    if (parts.length === 2 && /^\d+$/.test(parts[1]!)) return { name: 'leaderboard', experimentId: Number(parts[1]) }
  }
  if (parts[0] === 'datasets') {
    if (parts.length === 1) return { name: 'datasets' }
    if (parts.length === 2 && /^[0-9a-f]{4,64}$/.test(parts[1]!)) return { name: 'dataset', id: parts[1]!, ...datasetQuery(query) }
  }
  if (parts[0] === 'bundles' && parts.length === 1) return { name: 'bundles' }
  if (parts[0] === 'settings' && parts.length === 1) return { name: 'settings' }
  return { name: 'not-found', path }
}

/** @example routeHash({ name: 'run', id: 3 }) // "#/runs/3" */
export function routeHash(route: Route): string {
  switch (route.name) {
    case 'runs':
      return '#/runs'
    case 'run':
      return `#/runs/${route.id}${route.window ? `?split=${route.window.split}&window=${route.window.index}` : ''}`
    case 'compare':
      return `#/compare?runs=${route.runs.join(',')}`
    case 'experiments':
      return '#/experiments'
    case 'builder':
      return `#/experiments/new${!route.from ? '' : 'file' in route.from ? `?file=${encodeURIComponent(route.from.file)}` : `?run=${route.from.run}`}`
    case 'queue':
      return '#/queue'
    case 'leaderboard':
      return `#/queue/${route.experimentId}`
    case 'datasets':
      return '#/datasets'
    case 'dataset': {
      const q = new URLSearchParams()
      if (route.rows) q.set('rows', `${route.rows.from}-${route.rows.to}`)
      if (route.run != null) q.set('run', String(route.run))
      const qs = q.toString()
      return `#/datasets/${route.id}${qs ? `?${qs}` : ''}`
    }
    case 'bundles':
      return '#/bundles'
    case 'settings':
      return '#/settings'
    case 'not-found':
      return `#${route.path}`
  }
}

/** The dataset route's optional query; malformed parts are left out (the page opens as usual). */
function datasetQuery(query: string): { rows?: { from: number; to: number }; run?: number } {
  const q = new URLSearchParams(query)
  const out: { rows?: { from: number; to: number }; run?: number } = {}
  const rows = /^(\d+)-(\d+)$/.exec(q.get('rows') ?? '')
  if (rows && Number(rows[2]) > Number(rows[1])) out.rows = { from: Number(rows[1]), to: Number(rows[2]) }
  const run = q.get('run')
  if (run && /^\d+$/.test(run) && Number(run) > 0) out.run = Number(run)
  return out
}

/** The run route's optional window; malformed parts are left out (the run page opens as usual). */
function runQuery(query: string): { window?: { split: ScoreSplit; index: number } } {
  const q = new URLSearchParams(query)
  const split = q.get('split') ?? 'test'
  const index = q.get('window')
  if (!index || !/^\d+$/.test(index) || (split !== 'train' && split !== 'validation' && split !== 'test')) return {}
  return { window: { split, index: Number(index) } }
}

/**
 * The compared run ids, in the order given, each once (the page says when there are too few).
 * @example compareQuery('runs=3,5,3,x') // [3, 5]
 */
function compareQuery(query: string): number[] {
  const ids = (new URLSearchParams(query).get('runs') ?? '').split(',').filter((t) => /^\d+$/.test(t) && Number(t) > 0).map(Number)
  return [...new Set(ids)]
}

/**
 * Where a "duplicate and edit" starts from: a spec file or a run; malformed parts are left out
 * (the builder opens empty).
 * @example builderQuery('file=a%20b.json') // { from: { file: "a b.json" } }
 */
function builderQuery(query: string): { from?: { file: string } | { run: number } } {
  const q = new URLSearchParams(query)
  const file = q.get('file')
  const run = q.get('run')
  if (file) return { from: { file } }
  if (run && /^\d+$/.test(run) && Number(run) > 0) return { from: { run: Number(run) } }
  return {}
}

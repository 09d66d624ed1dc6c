/**
 * Hash routes, parsed and printed without touching the DOM (unit-tested in Node).
 * `#/runs`, `#/runs/12`, `#/experiments`, `#/queue`, `#/queue/<experiment id>` (its leaderboard),
 * `#/datasets`, `#/datasets/<hex id or prefix>`, `#/bundles`, `#/settings`; an empty hash is the runs list, anything else is
 * not found.
 */
export type Route =
  | { name: 'runs' }
  | { name: 'run'; id: number }
  | { name: 'experiments' }
  | { name: 'queue' }
  | { name: 'leaderboard'; experimentId: number }
  | { name: 'datasets' }
  | { name: 'dataset'; id: string }
  | { name: 'bundles' }
  | { name: 'settings' }
  | { name: 'not-found'; path: string }

/**
 * @example parseHash('#/runs/12') // { name: "run", id: 12 }
 * @example parseHash('') // { name: "runs" }
 * @example parseHash('#/datasets/3f2a9c0d') // { name: "dataset", id: "3f2a9c0d" }
 * @example parseHash('#/queue/4') // { name: "leaderboard", experimentId: 4 }
 */
export function parseHash(hash: string): Route {
  const path = hash.replace(/^#/, '').replace(/\/+$/, '') || '/runs'
  const parts = path.split('/').filter(Boolean)
  if (parts.length === 0) return { name: 'runs' }
  if (parts[0] === 'runs') {
    if (parts.length === 1) return { name: 'runs' }
    if (parts.length === 2 && /^\d+$/.test(parts[1]!)) return { name: 'run', id: Number(parts[1]) }
  }
  if (parts[0] === 'experiments' && parts.length === 1) return { name: 'experiments' }
  if (parts[0] === 'queue') {
    if (parts.length === 1) return { name: 'queue' }
    if (parts.length === 2 && /^\d+$/.test(parts[1]!)) return { name: 'leaderboard', experimentId: Number(parts[1]) }
  }
  if (parts[0] === 'datasets') {
    if (parts.length === 1) return { name: 'datasets' }
    if (parts.length === 2 && /^[0-9a-f]{4,64}$/.test(parts[1]!)) return { name: 'dataset', id: parts[1]! }
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
      return `#/runs/${route.id}`
    case 'experiments':
      return '#/experiments'
    case 'queue':
      return '#/queue'
    case 'leaderboard':
      return `#/queue/${route.experimentId}`
    case 'datasets':
      return '#/datasets'
    case 'dataset':
      return `#/datasets/${route.id}`
    case 'bundles':
      return '#/bundles'
    case 'settings':
      return '#/settings'
    case 'not-found':
      return `#${route.path}`
  }
}

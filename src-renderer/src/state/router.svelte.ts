import { parseHash, routeHash, type Route } from '../lib/routes'

/** Hash router: the route follows `location.hash`, so reload and back/forward just work. */
export class Router {
  route = $state<Route>(parseHash(location.hash))

  constructor() {
    window.addEventListener('hashchange', () => {
      this.route = parseHash(location.hash)
    })
    if (!location.hash) history.replaceState(history.state, '', routeHash(this.route))
  }

  go(route: Route): void {
    const hash = routeHash(route)
    if (location.hash !== hash) location.hash = hash
  }

  href(route: Route): string {
    return routeHash(route)
  }
}

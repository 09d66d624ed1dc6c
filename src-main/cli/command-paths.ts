/**
 * The host paths a command line names. The CLI is the user at a terminal: what they typed may be
 * read or written, so the host it opens is told (`HostOptions.allowedPaths`) and the path policy
 * (host/path-policy.ts) lets these through whichever way the command reaches them.
 */
import { resolve } from 'node:path'

/**
 * Paths named by `workbench <command> ...rest [--to X]`, resolved against the current folder.
 * @example commandLinePaths('score', ['b', 'data.csv'], {}, '/home/me') // ['/home/me/b', '/home/me/data.csv']
 * @example commandLinePaths('runs', ['list'], {}, '/home/me') // []
 */
export function commandLinePaths(command: string, rest: string[], o: { to?: string }, cwd = process.cwd()): string[] {
  const named = (() => {
    switch (command) {
      case 'datasets':
        return rest[0] === 'import' ? rest.slice(1) : rest[0] === 'export' && o.to ? [o.to] : []
      case 'export':
        return o.to ? [o.to] : []
      case 'runs':
        return rest[0] === 'predictions' && o.to ? [o.to] : []
      case 'verify':
        return rest.slice(0, 1)
      case 'score':
        return rest.slice(0, 2)
      case 'settings':
        return rest[0] === 'set' && (rest[1] === 'sharedDir' || rest[1] === 'bundlesDir') && rest[2] && rest[2] !== 'none' && rest[2] !== 'default' ? [rest[2]] : []
      default:
        return []
    }
  })()
  return named.map((p) => resolve(cwd, p))
}

/** Remote runners: connect to Redis, the agents, stop sending work to one (host/remote/remote-service.ts). */
import type { Handlers } from '../dispatch'
import type { RemoteService } from '../remote/remote-service'
import { ApiError } from '../../contract/api'
import { parseRedisUrl } from '../remote/connection'

type RemoteMethods = 'remote.status' | 'remote.test' | 'remote.connect' | 'remote.disconnect' | 'remote.pauseAgent'

/** A URL that is not a Redis URL is bad input on `url` (a server that cannot be reached is an answer, not an error). */
function checkUrl(url: string): void {
  try {
    parseRedisUrl(url)
  } catch (err) {
    throw new ApiError('bad_input', (err as Error).message, 'url')
  }
}

export function remoteHandlers(s: { remote: RemoteService }): Pick<Handlers, RemoteMethods> {
  return {
    'remote.status': () => s.remote.status(),
    'remote.test': ({ url }) => {
      checkUrl(url)
      return s.remote.test(url)
    },
    'remote.connect': (input) => {
      checkUrl(input.url)
      return s.remote.connect(input)
    },
    'remote.disconnect': () => s.remote.disconnect('remote runners were disconnected', true),
    'remote.pauseAgent': ({ name, paused }) => s.remote.pauseAgent(name, paused)
  }
}

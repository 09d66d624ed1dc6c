/** The runs history: filtered and sorted pages, CSV, tags and notes (`run.annotated`), links, compare. */
import type { Handlers } from '../dispatch'
import type { HistoryService } from '../history-service'
import type { Emit } from '../host-events'

export function historyHandlers(s: { history: HistoryService; emit: Emit }): Pick<Handlers, 'runs.query' | 'runs.csv' | 'runs.annotate' | 'runs.links' | 'runs.compare'> {
  return {
    'runs.query': (input) => s.history.query(input),
    'runs.csv': (input) => s.history.csv(input),
    'runs.annotate': (input) => {
      const out = s.history.annotate(input)
      s.emit('run.annotated', out)
      return out
    },
    'runs.links': ({ id }) => s.history.links(id),
    'runs.compare': (input) => s.history.compare(input)
  }
}

/** The search builder's methods: field docs, draft checks, spec files read and written (contract/spec-builder.ts). */
import { specFormSchema } from '../../core/search/param-docs'
import type { Handlers } from '../dispatch'
import type { SpecBuilderService } from '../spec-builder-service'

export function specBuilderHandlers(s: { builder: SpecBuilderService }): Pick<Handlers, 'experiments.schema' | 'experiments.check' | 'experiments.read' | 'experiments.save'> {
  return {
    'experiments.schema': () => specFormSchema(),
    'experiments.check': ({ spec }) => s.builder.check(spec),
    'experiments.read': ({ file }) => s.builder.read(file),
    'experiments.save': (input) => s.builder.save(input)
  }
}

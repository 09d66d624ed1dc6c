/**
 * `workbench check <spec file>`: a spec checked as the search builder checks it (contract method
 * `experiments.check`): every problem with its field path, the trials it expands to and the time
 * past runs of its model kind suggest. Exits 1 when there is a problem; nothing is queued.
 */
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import type { ContractClient } from '../contract-client'
import { readSpecText, SpecError } from '../../core/search/spec'
import { EXIT_FAILURE, EXIT_OK, UsageError, duration, printJson } from '../output'

export async function checkCommand(client: ContractClient, file: string | undefined, opts: { json: boolean }): Promise<number> {
  if (!file) throw new UsageError('check takes one spec file: workbench check <spec.json|.yaml>')
  let spec: unknown
  try {
    spec = readSpecText(readFileSync(resolve(file), 'utf8'), file)
  } catch (err) {
    throw new UsageError(err instanceof SpecError ? err.message : `cannot read spec ${file}: ${(err as Error).message}`)
  }
  const check = await client.call('experiments.check', { spec })
  if (opts.json) printJson(check)
  else {
    const lines = check.issues.map((i) => `${file}: ${i.path || '(root)'}: ${i.message}`)
    if (check.trials !== null) lines.push(`${file}: ${check.trials} ${check.trials === 1 ? 'trial' : 'trials'}`)
    const e = check.estimate
    if (e) {
      lines.push(
        e.pastRuns === 0
          ? `no past runs of this kind (${e.modelKind}) to estimate from`
          : `~${duration(e.meanTrialMs)} a trial from ${e.pastRuns} past ${e.modelKind} runs${e.totalMs !== null ? `; about ${duration(e.totalMs)} in all, ${e.parallel} at once` : ''}`
      )
    }
    process.stdout.write(`${lines.join('\n')}\n`)
  }
  return check.issues.length > 0 ? EXIT_FAILURE : EXIT_OK
}

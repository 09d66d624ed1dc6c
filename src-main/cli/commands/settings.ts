/** `workbench settings [set <key> <value>]`: the workspace settings, through the contract. */
import { resolve } from 'node:path'
import type { ContractClient } from '../contract-client'
import { ApiError, type MethodInput, type MethodOutput } from '../../contract/api'
import { EXIT_OK, UsageError, printJson, table } from '../output'

/** Keys a user may set from the command line, and how a typed value becomes the API's. */
const SETTABLE: Record<string, (text: string) => MethodInput<'settings.set'>> = {
  maxTrialsPerSearch: (t) => ({ maxTrialsPerSearch: t === 'default' ? null : Number(t) }),
  sharedDir: (t) => ({ sharedDir: t === 'none' ? null : resolve(t) }),
  bundlesDir: (t) => ({ bundlesDir: t === 'default' ? null : resolve(t) })
}

export async function settingsCommand(client: ContractClient, args: string[], opts: { json: boolean }): Promise<number> {
  const [sub, key, value] = args
  let settings: MethodOutput<'settings.get'>
  if (sub === undefined || sub === 'get') {
    settings = await client.call('settings.get', {})
  } else if (sub === 'set') {
    const make = key === undefined ? undefined : SETTABLE[key]
    if (!make || value === undefined) throw new UsageError(`settings set takes one of ${Object.keys(SETTABLE).join(', ')} and a value`)
    try {
      settings = await client.call('settings.set', make(value))
    } catch (err) {
      // Which setting refused the value, in front of the contract's own words.
      if (err instanceof ApiError) throw new ApiError(err.code, `settings set ${key}: ${err.message}`, err.path)
      throw err
    }
  } else {
    throw new UsageError(`settings takes 'get' or 'set <key> <value>', got '${sub}'`)
  }
  if (opts.json) printJson(settings)
  else
    process.stdout.write(
      table(
        ['setting', 'value'],
        [
          ['maxTrialsPerSearch', String(settings.maxTrialsPerSearch)],
          ['sharedDir', settings.sharedDir ?? '(none)'],
          ['bundlesDir', settings.bundlesDir]
        ]
      ) + '\n'
    )
  return EXIT_OK
}

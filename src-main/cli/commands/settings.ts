/** `workbench settings [set <key> <value>]`: the workspace settings, through the contract. */
import { resolve } from 'node:path'
import type { WorkbenchHost } from '../../host/workbench-host'
import type { MethodInput, MethodOutput } from '../../contract/api'
import { ApiError } from '../../contract/api'
import { EXIT_OK, UsageError, printJson, table } from '../output'

/** Keys a user may set from the command line, and how a typed value becomes the API's. */
const SETTABLE: Record<string, (text: string) => MethodInput<'settings.set'>> = {
  maxTrialsPerSearch: (t) => ({ maxTrialsPerSearch: t === 'default' ? null : Number(t) }),
  sharedDir: (t) => ({ sharedDir: t === 'none' ? null : resolve(t) }),
  bundlesDir: (t) => ({ bundlesDir: t === 'default' ? null : resolve(t) })
}

export async function settingsCommand(host: WorkbenchHost, args: string[], opts: { json: boolean }): Promise<number> {
  const [sub, key, value] = args
  let settings: MethodOutput<'settings.get'>
  if (sub === undefined || sub === 'get') {
    settings = (await host.call('settings.get', {})) as MethodOutput<'settings.get'>
  } else if (sub === 'set') {
    const make = key === undefined ? undefined : SETTABLE[key]
    if (!make || value === undefined) throw new UsageError(`settings set takes one of ${Object.keys(SETTABLE).join(', ')} and a value`)
    try {
      settings = (await host.call('settings.set', make(value))) as MethodOutput<'settings.get'>
    } catch (err) {
      if (err instanceof ApiError && err.code === 'bad_input') throw new UsageError(`settings set ${key}: ${err.message}`)
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

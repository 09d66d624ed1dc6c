/**
 * The command line is a front door like IPC and WebSocket: its commands reach the host only
 * through the contract (a `ContractClient`: `call` and `on`). Only `cli/main.ts` opens a host;
 * `serve` (which hands the host to the web front door) is the one command given it, and `doctor`
 * opens none (it diagnoses a machine whose workspace may not open).
 */
import { describe, it, expect } from 'vitest'
import { readdirSync, readFileSync } from 'node:fs'
import { join, relative, resolve } from 'node:path'
import { ApiError, apiErrorCodeSchema } from '../../src-main/contract/api'
import { EXIT_BY_CODE, errorText } from '../../src-main/cli/output'

const ROOT = resolve(__dirname, '../..')
const CLI = join(ROOT, 'src-main/cli')

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? files(join(dir, d.name)) : d.name.endsWith('.ts') ? [join(dir, d.name)] : []))
}

/** Source without comments: a comment may mention what the code may not do. */
function code(file: string): string {
  return readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\/|(^|[^:])\/\/.*$/gm, '$1')
}

describe('the CLI front door', () => {
  const all = files(CLI)

  it('finds the command modules', () => {
    expect(all.filter((f) => f.includes('/commands/')).length).toBeGreaterThan(5)
  })

  it('no command imports the host, except serve (it hands the host to the web server), doctor (it must answer when the workspace cannot open) and agent (it opens no workspace: it runs trials for a host elsewhere)', () => {
    const offences = all
      .filter((f) => f.includes('/commands/') && !f.endsWith('/serve.ts') && !f.endsWith('/doctor.ts') && !f.endsWith('/agent.ts'))
      .flatMap((f) => [...code(f).matchAll(/from\s+['"]([^'"]*\/host\/[^'"]*)['"]/g)].map((m) => `${relative(ROOT, f)} imports ${m[1]}`))
    expect(offences).toEqual([])
  })

  it('nothing in cli/ reaches into the host\'s services', () => {
    const internals = /\bhost\.(queue|scheduler|jobs|datasets|bundles|runs|detail|scores|handlers|workspace|catalog|analysis|history|explain|predictions|paths|importWatcher)\b/
    const offences = all.filter((f) => internals.test(code(f))).map((f) => relative(ROOT, f))
    expect(offences).toEqual([])
  })

  it('exit codes come from error codes, not from matching error text', () => {
    // A regex tested against an error's message is how exit codes used to be chosen.
    const offences = all.filter((f) => /\.test\((?:outcome|err|e|error)\??\.(?:error|message)/.test(code(f))).map((f) => relative(ROOT, f))
    expect(offences).toEqual([])
  })

  it("maps every contract error code to an exit code: the user's to fix is 2, the rest 1", () => {
    expect(Object.keys(EXIT_BY_CODE).sort()).toEqual([...apiErrorCodeSchema.options].sort())
    expect([EXIT_BY_CODE.bad_input, EXIT_BY_CODE.not_found, EXIT_BY_CODE.forbidden]).toEqual([2, 2, 2])
    expect([EXIT_BY_CODE.internal, EXIT_BY_CODE.conflict]).toEqual([1, 1])
  })

  it('names the field of a contract error once', () => {
    expect(errorText(new ApiError('bad_input', 'must be a positive integer', 'limit'))).toBe('limit: must be a positive integer')
    expect(errorText(new ApiError('bad_input', 'search: 10 trials is more than the limit', 'search'))).toBe('search: 10 trials is more than the limit')
    expect(errorText(new ApiError('not_found', 'run 9 not found'))).toBe('run 9 not found')
  })
})

/** CLI plumbing: exit codes, usage errors, tables, number formats, the stderr progress bar. */
import cliProgress from 'cli-progress'
import type { ApiError, ApiErrorCode } from '../contract/api'

export const EXIT_OK = 0
export const EXIT_FAILURE = 1
export const EXIT_USAGE = 2

/**
 * The exit code of a command that ended in a contract error: the user's to fix (bad input, an
 * unknown id, a path outside the allowed folders) is 2 like bad usage; the rest is 1.
 */
export const EXIT_BY_CODE: Record<ApiErrorCode, number> = {
  bad_input: EXIT_USAGE,
  not_found: EXIT_USAGE,
  forbidden: EXIT_USAGE,
  conflict: EXIT_FAILURE,
  internal: EXIT_FAILURE
}

/**
 * A contract error as one line: the field it names first, unless the message names it already.
 * @example errorText(new ApiError('bad_input', 'must be positive', 'limit')) // "limit: must be positive"
 */
export function errorText(e: ApiError): string {
  return e.path && !e.message.includes(e.path) ? `${e.path}: ${e.message}` : e.message
}

/** Bad usage or bad input: exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'UsageError'
  }
}

/** `--json` prints exactly one JSON document on stdout; everything else goes to stderr. */
export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n')
}

export const pct = (x: number | null | undefined): string => (x == null || Number.isNaN(x) ? '-' : `${(x * 100).toFixed(2)}%`)
export const num = (x: number | null | undefined, digits = 4): string => (x == null || Number.isNaN(x) ? '-' : x.toFixed(digits))

export function duration(ms: number | null | undefined): string {
  if (ms == null) return '-'
  if (ms < 1000) return `${Math.round(ms)} ms`
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`
}

/** A plain text table: columns padded to their widest cell. */
export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, j) => Math.max(h.length, ...rows.map((r) => (r[j] ?? '').length)))
  const line = (cells: string[]) => cells.map((c, j) => (c ?? '').padEnd(widths[j])).join('  ').trimEnd()
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n')
}

/** Progress on stderr: a bar on a terminal, a line every few seconds otherwise (CI logs). */
export function progressBar(title: string): { update(fraction: number, stage: string, message: string): void; stop(): void } {
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: `${title} [{bar}] {percentage}% | {stage}: {message}`,
      hideCursor: true,
      noTTYOutput: true,
      notTTYSchedule: 3000,
      clearOnComplete: false,
      barsize: 30
    },
    cliProgress.Presets.shades_classic
  )
  bar.start(100, 0, { stage: 'starting', message: '' })
  return {
    update: (fraction, stage, message) => bar.update(Math.round(fraction * 100), { stage, message }),
    stop: () => bar.stop()
  }
}

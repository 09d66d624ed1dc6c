/**
 * Named points where a test can make this process die on the spot (SIGKILL, as a power cut or
 * the OOM killer would), to prove that what is committed before the point is enough to recover.
 * `WORKBENCH_CRASH_AT=<name>` arms one point; it costs one string comparison when unarmed.
 */
export type CrashPointName =
  /** Inside the outcome transaction, after the run row is written and before the trial's. */
  | 'outcome:after-run-write'
  /** After the outcome transaction committed, before the scheduler hears of it. */
  | 'outcome:after-commit'
  /** After a trial was claimed and before its worker starts. */
  | 'claim:after-commit'

export function crashPoint(name: CrashPointName): void {
  if (process.env.WORKBENCH_CRASH_AT === name) process.kill(process.pid, 'SIGKILL')
}

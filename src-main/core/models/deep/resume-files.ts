/**
 * Where a run keeps its resume checkpoint (resume-checkpoint.ts writes and reads it), without
 * tfjs: the host only asks whether one is there and removes it once the trial is done.
 */
import { existsSync, readdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'

/** The checkpoint's commit point: written last, so its presence means a complete checkpoint. */
export const RESUME_STATE = 'state.json'

/** A run's resume checkpoint folder, inside its artifact folder. */
export function resumeDir(artifactsDir: string): string {
  return join(artifactsDir, 'resume')
}

export function hasResumeCheckpoint(dir: string): boolean {
  return existsSync(join(dir, RESUME_STATE))
}

/**
 * The resume checkpoint folders of a run: its own, and those one level down (a per-segment run
 * trains one model per `segment-k` folder, each with its checkpoint).
 */
export function resumeDirsOfRun(artifactsDir: string): string[] {
  const dirs = [resumeDir(artifactsDir)]
  if (existsSync(artifactsDir)) {
    for (const e of readdirSync(artifactsDir, { withFileTypes: true })) if (e.isDirectory() && e.name !== 'resume') dirs.push(resumeDir(join(artifactsDir, e.name)))
  }
  return dirs.filter((d) => existsSync(d))
}

/** Removes a run's resume checkpoints (its trial is over). */
export function removeResumeCheckpoints(artifactsDir: string): void {
  for (const d of resumeDirsOfRun(artifactsDir)) rmSync(d, { recursive: true, force: true })
}

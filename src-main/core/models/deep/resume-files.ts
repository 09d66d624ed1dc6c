/**
 * Where a run keeps its resume checkpoint (resume-checkpoint.ts writes and reads it), without
 * tfjs: the host only asks whether one is there and removes it once the trial is done.
 */
import { existsSync, rmSync } from 'node:fs'
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

export function removeResumeCheckpoint(dir: string): void {
  rmSync(dir, { recursive: true, force: true })
}

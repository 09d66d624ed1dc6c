/** What the host is and what the machine gives it: `app.info`, `doctor.report`. */
import type { AppInfo } from '../../contract/api'
import type { Handlers } from '../dispatch'
import { WORKBENCH_VERSION } from '../app-meta'
import { doctorReport } from '../doctor'

export function appHandlers(s: { workspaceDir: string; experimentsDir: string; frontDoor: AppInfo['frontDoor']; concurrency: number }): Pick<Handlers, 'app.info' | 'doctor.report'> {
  return {
    'app.info': () => ({ version: WORKBENCH_VERSION, workspace: s.workspaceDir, experimentsDir: s.experimentsDir, frontDoor: s.frontDoor, concurrency: s.concurrency }),
    'doctor.report': () => doctorReport(s.workspaceDir)
  }
}

/**
 * `workbench doctor`: what this machine gives the workbench — Node, the tfjs backend that would
 * train and why better ones are unavailable, ONNX Runtime, SQLite, the Electron binary, and
 * whether the code runs from the bundle or the sources.
 */
import { createRequire } from 'node:module'
import { readFileSync } from 'node:fs'
import { cpus } from 'node:os'
import { sqliteVersion } from '../core/store/database'
import { probeTfjsBackends, chooseTfjsBackend } from '../core/models/tfjs-backends'
import { CODE_FROM, WORKBENCH_VERSION } from './app-meta'
import { electronBinaryStatus } from './electron-binary'
import { WORKER_KINDS } from './worker-launcher'
import { workerLaunchPlan } from './node-worker-launcher'
import type { DoctorReport } from '../contract/api'

const nodeRequire = createRequire(import.meta.url)
const REQUIRED_NODE_MAJOR = 22

function packageVersion(pkg: string): string | null {
  try {
    return (JSON.parse(readFileSync(nodeRequire.resolve(`${pkg}/package.json`), 'utf8')) as { version: string }).version
  } catch {
    return null
  }
}

export async function doctorReport(workspace: string): Promise<DoctorReport> {
  const candidates = await probeTfjsBackends({ loadNative: true })
  const chosen = chooseTfjsBackend(candidates)
  let ort: DoctorReport['onnxRuntime']
  try {
    const mod = (await import('onnxruntime-node')) as unknown as { env: { versions: { node?: string; common?: string } } }
    ort = { version: mod.env.versions.node ?? mod.env.versions.common ?? packageVersion('onnxruntime-node'), error: null }
  } catch (err) {
    ort = { version: packageVersion('onnxruntime-node'), error: (err as Error).message.split('\n')[0] }
  }
  const sqlite = sqliteVersion()
  const major = Number(process.versions.node.split('.')[0])
  return {
    workbenchVersion: WORKBENCH_VERSION,
    node: { version: process.versions.node, ok: major >= REQUIRED_NODE_MAJOR, required: `>= ${REQUIRED_NODE_MAJOR}` },
    tfjs: {
      version: packageVersion('@tensorflow/tfjs') ?? 'not installed',
      backend: chosen.name,
      candidates: candidates.map((c) => ({ name: c.name, available: c.available, reason: c.reason }))
    },
    onnxRuntime: ort,
    sqlite: { version: sqlite },
    electron: electronBinaryStatus(),
    cpus: cpus().length,
    workspace,
    code: { from: CODE_FROM, workers: Object.fromEntries(WORKER_KINDS.map((kind) => [kind, workerLaunchPlan(kind)])) }
  }
}

/**
 * A training loop's resume checkpoint: everything train-loop.ts needs to continue an interrupted
 * run at its next epoch as if it had never stopped — the current weights, the optimizer's state
 * (iterations and moments; Adam's running beta powers too, so the next step is bit-identical),
 * the best weights and the best epoch's validation scores, the loop's own state (epoch, lr, best,
 * waits, history), and a fingerprint of what was being trained so a checkpoint of something else
 * is refused with the reason.
 *
 * Files in the folder: `epoch-<n>.bin` (the tensors, tfjs's weight encoding) and `state.json`
 * (everything else, naming its .bin). state.json is written last, by rename: it is the commit
 * point, so a reader sees the previous complete checkpoint or the new one, never half of one.
 */
import * as tf from '@tensorflow/tfjs'
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { EpochRecord } from './train-loop'
import { RESUME_STATE as STATE } from './resume-files'

const FORMAT = 'workbench-resume-1'

/** A tensor with its name (tfjs's optimizer weights; tfjs does not export the type). */
export interface NamedTensor {
  name: string
  tensor: tf.Tensor
}

/** The loop's state after a completed epoch (numbers may be NaN or Infinity). */
export interface LoopState {
  epoch: number
  lr: number
  best: number
  bestEpoch: number
  esWait: number
  lrWait: number
  stoppedEarly: boolean
  history: EpochRecord[]
}

export interface ResumeTensors {
  /** The model's weights now (model.getWeights() order). */
  current: tf.Tensor[]
  /** The best epoch's weights (null before any epoch improved). */
  best: tf.Tensor[] | null
  bestValScores: Float32Array | null
  optimizer: NamedTensor[]
}

export interface ResumeCheckpoint extends LoopState {
  tensors: ResumeTensors
}

interface StateFile extends LoopState {
  format: string
  fingerprint: unknown
  file: string
  specs: tf.io.WeightsManifestEntry[]
  counts: { current: number; best: number | null; optimizer: string[]; bestValScores: boolean }
}

/** JSON keeps NaN and ±Infinity (metrics of a split without anomalies, `best` before epoch 1). */
const keepNonFinite = (_k: string, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? { $number: String(v) } : v)
const readNonFinite = (_k: string, v: unknown) => (v !== null && typeof v === 'object' && '$number' in v && Object.keys(v).length === 1 ? Number((v as { $number: string }).$number) : v)

/** Leaf values by path (`params.units.0`), keys sorted: what two fingerprints are compared on. */
function leaves(x: unknown, path = '', out = new Map<string, string>()): Map<string, string> {
  if (x !== null && typeof x === 'object') {
    const entries = Array.isArray(x) ? x.map((v, i) => [String(i), v] as const) : Object.entries(x).sort(([a], [b]) => a.localeCompare(b))
    for (const [k, v] of entries) leaves(v, path ? `${path}.${k}` : k, out)
    if (entries.length === 0) out.set(path, JSON.stringify(x))
  } else out.set(path, JSON.stringify(x))
  return out
}

/** Why a checkpoint written for `saved` cannot continue `wanted` (null: they match). */
export function fingerprintMismatch(saved: unknown, wanted: unknown): string | null {
  const a = leaves(saved)
  const b = leaves(wanted)
  const diffs: string[] = []
  for (const k of new Set([...a.keys(), ...b.keys()])) {
    if (a.get(k) !== b.get(k)) diffs.push(`${k || '(value)'} ${a.get(k) ?? 'absent'} in the checkpoint, ${b.get(k) ?? 'absent'} now`)
  }
  if (diffs.length === 0) return null
  return `it was written for a different training (${diffs.slice(0, 3).join('; ')}${diffs.length > 3 ? `; and ${diffs.length - 3} more` : ''})`
}

/** Writes the checkpoint of a completed epoch into `dir`, replacing the previous one atomically. */
export async function saveResumeCheckpoint(dir: string, fingerprint: unknown, c: ResumeCheckpoint): Promise<void> {
  mkdirSync(dir, { recursive: true })
  const t = c.tensors
  const named: NamedTensor[] = [
    ...t.current.map((tensor, i) => ({ name: `current/${i}`, tensor })),
    ...(t.best ?? []).map((tensor, i) => ({ name: `best/${i}`, tensor })),
    ...t.optimizer.map((w) => ({ name: `optimizer/${w.name}`, tensor: w.tensor }))
  ]
  const scores = t.bestValScores ? tf.tensor1d(t.bestValScores) : null
  if (scores) named.push({ name: 'bestValScores', tensor: scores })
  let encoded: { data: ArrayBuffer; specs: tf.io.WeightsManifestEntry[] }
  try {
    encoded = await tf.io.encodeWeights(named)
  } finally {
    scores?.dispose()
  }
  const file = `epoch-${c.epoch}.bin`
  const state: StateFile = {
    format: FORMAT,
    fingerprint,
    epoch: c.epoch,
    lr: c.lr,
    best: c.best,
    bestEpoch: c.bestEpoch,
    esWait: c.esWait,
    lrWait: c.lrWait,
    stoppedEarly: c.stoppedEarly,
    history: c.history,
    file,
    specs: encoded.specs,
    counts: { current: t.current.length, best: t.best?.length ?? null, optimizer: t.optimizer.map((w) => w.name), bestValScores: scores !== null }
  }
  writeFileSync(join(dir, `${file}.tmp`), new Uint8Array(encoded.data))
  renameSync(join(dir, `${file}.tmp`), join(dir, file))
  writeFileSync(join(dir, `${STATE}.tmp`), JSON.stringify(state, keepNonFinite))
  renameSync(join(dir, `${STATE}.tmp`), join(dir, STATE))
  // The previous epoch's tensors are unreferenced once the new state is in place.
  for (const f of readdirSync(dir)) if (f !== file && f !== STATE && f.startsWith('epoch-')) rmSync(join(dir, f), { force: true })
}

/**
 * Loads the checkpoint in `dir` if it was written for `fingerprint`. Returns the checkpoint (its
 * tensors are the caller's to dispose) or the reason it cannot be used.
 */
export async function loadResumeCheckpoint(dir: string, fingerprint: unknown): Promise<{ ok: true; checkpoint: ResumeCheckpoint } | { ok: false; reason: string }> {
  const stateFile = join(dir, STATE)
  if (!existsSync(stateFile)) return { ok: false, reason: `no checkpoint in ${dir}` }
  let s: StateFile
  try {
    s = JSON.parse(readFileSync(stateFile, 'utf8'), readNonFinite) as StateFile
  } catch (err) {
    return { ok: false, reason: `${stateFile} is unreadable: ${(err as Error).message}` }
  }
  if (s.format !== FORMAT) return { ok: false, reason: `${stateFile} is not a resume checkpoint of this version (format ${JSON.stringify(s.format)})` }
  const mismatch = fingerprintMismatch(s.fingerprint, fingerprint)
  if (mismatch) return { ok: false, reason: mismatch }
  let bytes: Buffer
  try {
    bytes = readFileSync(join(dir, s.file))
  } catch (err) {
    return { ok: false, reason: `its tensors (${s.file}) are unreadable: ${(err as Error).message}` }
  }
  const expected = s.specs.reduce((n, w) => n + w.shape.reduce((a, b) => a * b, 1) * (w.dtype === 'float32' || w.dtype === 'int32' ? 4 : 1), 0)
  if (bytes.byteLength !== expected) return { ok: false, reason: `${s.file} holds ${bytes.byteLength} bytes where its manifest says ${expected}` }
  const map = tf.io.decodeWeights(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer, s.specs)
  const missing = [...Array.from({ length: s.counts.current }, (_, i) => `current/${i}`), ...s.counts.optimizer.map((n) => `optimizer/${n}`)].filter((n) => !map[n])
  if (missing.length > 0) {
    tf.dispose(Object.values(map))
    return { ok: false, reason: `${s.file} lacks ${missing.slice(0, 3).join(', ')}` }
  }
  const take = (name: string) => map[name]
  const scores = s.counts.bestValScores ? take('bestValScores') : null
  const checkpoint: ResumeCheckpoint = {
    epoch: s.epoch,
    lr: s.lr,
    best: s.best,
    bestEpoch: s.bestEpoch,
    esWait: s.esWait,
    lrWait: s.lrWait,
    stoppedEarly: s.stoppedEarly,
    history: s.history,
    tensors: {
      current: Array.from({ length: s.counts.current }, (_, i) => take(`current/${i}`)),
      best: s.counts.best === null ? null : Array.from({ length: s.counts.best }, (_, i) => take(`best/${i}`)),
      bestValScores: scores ? (scores.dataSync() as Float32Array).slice() : null,
      optimizer: s.counts.optimizer.map((name) => ({ name, tensor: take(`optimizer/${name}`) }))
    }
  }
  scores?.dispose()
  return { ok: true, checkpoint }
}

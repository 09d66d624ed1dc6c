/**
 * What crosses Redis between the host and its agents, and under which keys. BullMQ carries the
 * trials (one job per trial, its id the trial's identity) and their live messages (job progress,
 * heard through QueueEvents); plain keys carry what is too big for a job: dataset versions
 * (chunked, by content hash) and each trial's result (scores, model, artifact files).
 *
 * Messages and results are encoded with V8's serializer — the structured clone the local
 * training workers' IPC channel already uses (`serialization: 'advanced'`) — so typed arrays and
 * NaN metrics arrive as they left, and the host parses them with the same worker-protocol schema
 * (workers/protocol.ts) as a local worker's.
 */
import { serialize, deserialize } from 'node:v8'
import type { TrainingJob, FromWorker } from '../../workers/protocol'
import type { Epoch } from '../../core/store/run-schemas'

/** The BullMQ queue agents take trials from unless told another (`--queue`). */
export const DEFAULT_QUEUE = 'workbench'

/** Job data: the trial a local training worker would get (its run and spec), and the dataset versions it reads. */
export interface RemoteTrialJob {
  trial: Pick<TrainingJob, 'runId' | 'spec'>
  /** Content hashes of the dataset versions the spec names: each is fetched once per agent (dataset-transfer.ts). */
  datasets: string[]
}

/** Where an agent runs, as it reports itself (agent-registry.ts). */
export interface AgentRef {
  name: string
  machine: string
  backend: string
}

/** A job's progress: one training-worker message, encoded, and the agent running it. */
export interface RemoteProgress {
  agent: AgentRef
  /** base64 of `encode(FromWorker)`. */
  message: string
}

/** What an agent stores under `resultKey(jobId)` when a trial ends done. */
export interface RemoteResult {
  agent: AgentRef
  /** The run the job was published for (a result for a run already written is stale). */
  runId: number
  /** The worker's `done` message, as a local worker sends it (parsed by the host). */
  done: unknown
  /** Every epoch the trial reported, so a history is complete even when a live message was lost (Redis down). */
  epochs: Epoch[]
  /** The agent's artifact folder for the trial: paths under it in the model record are rewritten to the host's. */
  artifactsDir: string
  /** The files the trial wrote there (checkpoints, trained weights), relative paths. */
  files: { path: string; bytes: Uint8Array }[]
}

/** The job's return value: the key of the result (results can be megabytes; BullMQ keeps return values in the job hash). */
export interface RemoteReturn {
  resultKey: string
  bytes: number
}

export const keys = {
  /** Chunk count of a dataset version (`:0`, `:1`… hold the chunks of `encode(LabelledSeries)`). */
  dataChunks: (queue: string, hash: string) => `wb:${queue}:data:${hash}`,
  dataChunk: (queue: string, hash: string, i: number) => `wb:${queue}:data:${hash}:${i}`,
  result: (queue: string, jobId: string) => `wb:${queue}:result:${jobId}`,
  /** Set by the host: the agent running the job stops it. */
  cancel: (queue: string, jobId: string) => `wb:${queue}:cancel:${jobId}`,
  /** The registry: names in a set, each agent's report under its own key with a time to live. */
  agents: (queue: string) => `wb:${queue}:agents`,
  agent: (queue: string, name: string) => `wb:${queue}:agent:${name}`,
  /** Set by the host: the agent takes no new trial ("stop sending work"). */
  paused: (queue: string, name: string) => `wb:${queue}:paused:${name}`
}

/** How long results and dataset chunks stay in Redis unread (a host down for days finds them gone and runs the trial again). */
export const KEEP_SECONDS = 7 * 24 * 3600

export function encode(value: unknown): Buffer {
  return serialize(value)
}

export function decode<T>(bytes: Buffer): T {
  return deserialize(bytes) as T
}

export function encodeMessage(message: FromWorker): string {
  return encode(message).toString('base64')
}

export function decodeMessage(text: string): unknown {
  return decode(Buffer.from(text, 'base64'))
}

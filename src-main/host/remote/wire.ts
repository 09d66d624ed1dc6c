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
import { z } from 'zod'
import type { FromWorker } from '../../workers/protocol'
import { epochSchema } from '../../core/store/run-schemas'
import { experimentSpecSchema, formatZodIssues } from '../../core/search/spec'
import { datasetIdSchema } from '../../core/data/dataset-id'

/** The BullMQ queue agents take trials from unless told another (`--queue`). */
export const DEFAULT_QUEUE = 'workbench'

/**
 * Size caps on what is read from Redis, which anyone holding its password can write: a payload
 * over a cap is refused by its length before it is loaded, so no writer can make a host or an
 * agent hold more than this in memory.
 * - A live message: an epoch's metrics and histogram, a log line — kilobytes; a stack trace at most.
 * - A result: per-window scores (a few numbers per window) and the trained model; 10 million
 *   windows of scores fit with room for the weights.
 * - A dataset version: what a workspace imports (its chunks are `CHUNK_BYTES` each).
 */
export const MAX_MESSAGE_CHARS = 4 * 2 ** 20
export const MAX_RESULT_BYTES = 256 * 2 ** 20
export const MAX_DATASET_BYTES = 2 ** 31

/** Why a result of `bytes` is refused, exact to the byte (rounded to MiB, 256 MiB + 1 would read "256 MB, over 256 MB"). */
export function resultOverCap(bytes: number): string {
  return `${bytes.toLocaleString('en-US')} bytes, over the ${MAX_RESULT_BYTES / 2 ** 20} MiB a host takes`
}

/** Where an agent runs, as it reports itself (agent-registry.ts). */
export const agentRefSchema = z.object({
  name: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'an agent name is 1-64 letters, digits, _ . -'),
  machine: z.string().max(255),
  backend: z.string().max(64)
})
export type AgentRef = z.infer<typeof agentRefSchema>

/** Job data: the trial a local training worker would get (its run and spec), and the dataset versions it reads. */
export const remoteTrialJobSchema = z.object({
  trial: z.object({ runId: z.number().int().positive(), spec: experimentSpecSchema }),
  /** Content hashes of the dataset versions the spec names: each is fetched once per agent (dataset-transfer.ts). */
  datasets: z.array(datasetIdSchema).max(3)
})
export type RemoteTrialJob = z.infer<typeof remoteTrialJobSchema>

/** A job's progress: one training-worker message, encoded, and the agent running it. */
export const remoteProgressSchema = z.object({
  agent: agentRefSchema,
  /** base64 of `encode(FromWorker)`. */
  message: z.string().max(MAX_MESSAGE_CHARS)
})
export type RemoteProgress = z.infer<typeof remoteProgressSchema>

/** What an agent stores under `resultKey(jobId)` when a trial ends done. */
export const remoteResultSchema = z.object({
  agent: agentRefSchema,
  /** The run the job was published for (a result for a run already written is stale). */
  runId: z.number().int().positive(),
  /** The worker's `done` message, as a local worker sends it (parsed by the host with the worker protocol). */
  done: z.unknown(),
  /** Every epoch the trial reported, so a history is complete even when a live message was lost (Redis down). */
  epochs: z.array(epochSchema),
  /** The agent's artifact folder for the trial: paths under it in the model record are rewritten to the host's. */
  artifactsDir: z.string().min(1),
  /** The files the trial wrote there (checkpoints, trained weights), relative paths. */
  files: z.array(z.object({ path: z.string().min(1), bytes: z.custom<Uint8Array>((v) => v instanceof Uint8Array, "file bytes must be a byte array") }))
})
export type RemoteResult = z.infer<typeof remoteResultSchema>

/** The job's return value: the key of the result (results can be megabytes; BullMQ keeps return values in the job hash). */
export interface RemoteReturn {
  resultKey: string
  bytes: number
}

/**
 * Checks what came through Redis against its schema: the value, or a line naming `what` (the job,
 * the result) and the first fields that are wrong.
 */
export function readWire<T>(schema: z.ZodType<T>, value: unknown, what: string): { ok: true; value: T } | { ok: false; message: string } {
  const parsed = schema.safeParse(value)
  if (parsed.success) return { ok: true, value: parsed.data }
  const fields = formatZodIssues(parsed.error)
    .slice(0, 3)
    .map((i) => `${i.path || '(whole)'}: ${i.message}`)
    .join('; ')
  return { ok: false, message: `${what} is malformed (${fields})` }
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

/**
 * Remote runners (issue 14): trials of a search run on other machines' `workbench agent`
 * processes, through a BullMQ queue on Redis. The host stays the only writer of the workspace;
 * these methods connect it to a Redis server, list the agents and stop sending work to one.
 *
 * `api.ts` gathers `remoteMethods` and `remoteEvents`; this module imports only zod.
 */
import { z } from 'zod'

/**
 * The progress stage of a remote trial no agent can run now (none serves the queue, or the one
 * running it stopped reporting) and no local slot takes back: its message says why.
 */
export const WAITING_FOR_AGENT = 'waiting for an agent'

/** An agent as it reports itself every few seconds (host/remote/agent-registry.ts). */
export const agentSchema = z.object({
  name: z.string(),
  /** The machine's host name. */
  machine: z.string(),
  /** The best training backend it has (e.g. tfjs-node-gpu, tfjs-wasm). */
  backend: z.string(),
  /** Trials it runs at once. */
  concurrency: z.number().int().min(1),
  /** The trials it runs now: job id (trial identity), the host's run id when it was published. */
  running: z.array(z.object({ jobId: z.string(), runId: z.number().int(), since: z.number() })),
  /** The host asked it to take no new trial. */
  paused: z.boolean(),
  /** Epoch milliseconds of its last report. */
  heartbeatAt: z.number(),
  workbenchVersion: z.string()
})
export type Agent = z.infer<typeof agentSchema>

export const redisCheckSchema = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), version: z.string() }),
  z.object({ ok: z.literal(false), problem: z.enum(['bad-url', 'unreachable', 'auth', 'version']), message: z.string() })
])
export type RedisCheckResult = z.infer<typeof redisCheckSchema>

export const remoteStatusSchema = z.object({
  /** The Redis URL without its password; null when this host runs trials locally only. */
  url: z.string().nullable(),
  queue: z.string().nullable(),
  /**
   * `down`: Redis is unreachable now (local trials go on; remote ones wait for it).
   * `reconnecting`: the URL the workspace remembers did not answer when the host opened; it is
   * tried again, less and less often, until it does (nothing is sent to agents meanwhile).
   */
  state: z.enum(['off', 'connected', 'down', 'reconnecting']),
  /** What went wrong last, when down or reconnecting. */
  message: z.string().nullable(),
  /** Trials this host runs on its own workers beside the agents (0: agents only). */
  localSlots: z.number().int().min(0),
  /** Trials the agents take at once (those not paused). */
  remoteSlots: z.number().int().min(0),
  agents: z.array(agentSchema),
  /** Trials published and not yet back. */
  inFlight: z.number().int().min(0),
  /** Of those, the ones no agent can run now (stage `WAITING_FOR_AGENT`). */
  waiting: z.number().int().min(0),
  /** When reconnecting: epoch milliseconds of the next try. */
  retryAt: z.number().nullable()
})
export type RemoteStatus = z.infer<typeof remoteStatusSchema>

const url = z.string().min(1).max(2000)

export const remoteMethods = {
  'remote.status': { input: z.object({}).strict(), output: remoteStatusSchema },
  /** Tries a Redis URL without keeping the connection (the Settings "Connect" check). */
  'remote.test': { input: z.object({ url }).strict(), output: redisCheckSchema },
  /**
   * Checks the URL, then sends this host's trials to agents through it (and remembers it in the
   * workspace settings); `localSlots`: trials kept on this machine too. A failed check connects
   * nothing and answers why.
   */
  'remote.connect': {
    input: z
      .object({
        url,
        localSlots: z.number().int().min(0).max(1024).optional(),
        /** The BullMQ queue (default `workbench`): agents take trials from the queue they were started on. */
        queue: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'a queue name is 1-64 letters, digits, _ . -').optional(),
        /** Keep the URL in the workspace settings, so the app reconnects when it opens (default true; a CLI run passes false). */
        remember: z.boolean().optional()
      })
      .strict(),
    output: z.object({ check: redisCheckSchema, status: remoteStatusSchema })
  },
  /** Back to local trials only: the trials sent to agents go back to the queue (and run here). */
  'remote.disconnect': { input: z.object({}).strict(), output: remoteStatusSchema },
  /** Stop sending work to an agent (its running trials finish), or send it work again. */
  'remote.pauseAgent': { input: z.object({ name: z.string().min(1), paused: z.boolean() }).strict(), output: remoteStatusSchema }
} as const

export const remoteEvents = {
  /** The connection's state or the agents changed. */
  'remote.changed': remoteStatusSchema
} as const

/**
 * `workbench agent --redis URL`: runs trials for a workspace whose host sends them to Redis
 * (host/remote/agent.ts), until Ctrl-C or SIGTERM. Its folder (`<workspace>/agent`) holds the
 * dataset versions it was sent (by content hash) and its trials' scratch files.
 */
import { hostname, availableParallelism } from 'node:os'
import { join } from 'node:path'
import { TrialAgent, agentBackend } from '../../host/remote/agent'
import { checkRedis } from '../../host/remote/connection'
import { DEFAULT_QUEUE } from '../../host/remote/wire'
import { NodeWorkerLauncher } from '../../host/node-worker-launcher'
import { EXIT_OK, EXIT_FAILURE, UsageError } from '../output'

export async function agentCommand(workspace: string, opts: { redis?: string; concurrency?: string; name?: string; queue?: string }): Promise<number> {
  if (!opts.redis) throw new UsageError('agent needs --redis redis://[user:password@]host:6379[/db] (rediss:// for TLS)')
  const concurrency = opts.concurrency === undefined ? availableParallelism() : Number(opts.concurrency)
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 1024) throw new UsageError(`--concurrency must be a whole number 1-1024, got '${opts.concurrency}'`)
  const name = opts.name ?? `${hostname()}-${process.pid}`
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(name)) throw new UsageError(`--name must be 1-64 letters, digits, _ . -, got '${name}'`)
  const queue = opts.queue ?? DEFAULT_QUEUE
  const check = await checkRedis(opts.redis)
  if (!check.ok) {
    process.stderr.write(`workbench agent: ${check.message}\n`)
    return check.problem === 'bad-url' ? 2 : EXIT_FAILURE
  }
  const lockMs = Number(process.env.WORKBENCH_AGENT_LOCK_MS)
  const agent = new TrialAgent({
    url: opts.redis,
    queue,
    name,
    concurrency,
    dir: join(workspace, 'agent'),
    launcher: new NodeWorkerLauncher(),
    backend: await agentBackend(),
    lockMs: Number.isFinite(lockMs) && lockMs > 0 ? lockMs : undefined,
    log: (line) => process.stderr.write(`agent ${name}: ${line}\n`)
  })
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve())
    process.once('SIGTERM', () => resolve())
  })
  process.stderr.write(`agent ${name}: stopping (${agent.finished} trial${agent.finished === 1 ? '' : 's'} run); trials it was running go to another agent\n`)
  await agent.close()
  return EXIT_OK
}

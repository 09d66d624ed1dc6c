/**
 * Which agents serve a queue. Each agent writes its report (contract `agentSchema`) under its own
 * key every `AGENT_REPORT_MS`, with a time to live of a few reports: an agent that stops reporting
 * (killed, cut off) drops out by itself. The host reads the reports — what it parses is checked
 * against the schema, since anyone with the Redis password can write there — and sets or clears an
 * agent's `paused` key to stop sending it work.
 */
import type { Redis } from 'ioredis'
import { agentSchema, type Agent } from '../../contract/remote'
import { keys } from './wire'

export const AGENT_REPORT_MS = 2000
const AGENT_TTL_SECONDS = 10

export async function writeAgentReport(redis: Redis, queue: string, report: Agent): Promise<void> {
  await redis
    .multi()
    .sadd(keys.agents(queue), report.name)
    .set(keys.agent(queue, report.name), JSON.stringify(report), 'EX', AGENT_TTL_SECONDS)
    .exec()
}

export async function removeAgentReport(redis: Redis, queue: string, name: string): Promise<void> {
  await redis.multi().srem(keys.agents(queue), name).del(keys.agent(queue, name)).exec()
}

/** The agents reporting now; names whose report expired are removed from the set. */
export async function readAgents(redis: Redis, queue: string): Promise<Agent[]> {
  const names = (await redis.smembers(keys.agents(queue))).sort()
  if (names.length === 0) return []
  const values = await redis.mget(names.map((n) => keys.agent(queue, n)))
  const agents: Agent[] = []
  const gone: string[] = []
  values.forEach((v, i) => {
    if (v === null) return void gone.push(names[i])
    try {
      const parsed = agentSchema.safeParse(JSON.parse(v))
      if (parsed.success) agents.push(parsed.data)
    } catch {
      // Not JSON: not an agent's report; skipped.
    }
  })
  if (gone.length) await redis.srem(keys.agents(queue), ...gone)
  return agents
}

export async function setAgentPaused(redis: Redis, queue: string, name: string, paused: boolean): Promise<void> {
  if (paused) await redis.set(keys.paused(queue, name), '1')
  else await redis.del(keys.paused(queue, name))
}

export async function agentPaused(redis: Redis, queue: string, name: string): Promise<boolean> {
  return (await redis.exists(keys.paused(queue, name))) === 1
}

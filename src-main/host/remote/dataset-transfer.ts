/**
 * Dataset versions travel to agents by content hash: the host puts a version into Redis once, in
 * chunks (`publishDataset`); each agent fetches it the first time a trial needs it, checks that
 * the data hashes to the id it was asked for, and keeps it in its own cache database on disk
 * (`DatasetCache`), where its training workers read it exactly as a local worker reads the
 * workspace. A version already cached is never fetched again.
 */
import type { Redis } from 'ioredis'
import type { Db } from '../../core/store/database'
import type { LabelledSeries } from '../../core/data/series'
import { contentHash } from '../../core/data/content-hash'
import { getDatasetMeta, saveDataset } from '../../core/store/datasets-repo'
import { encode, decode, keys, KEEP_SECONDS, MAX_DATASET_BYTES } from './wire'

/** Chunk size: well under Redis's 512 MB string limit, small enough not to stall the server on one command. */
const CHUNK_BYTES = 8 * 1024 * 1024

/** The most chunks a version can have (`MAX_DATASET_BYTES` of them). */
const MAX_CHUNKS = Math.ceil(MAX_DATASET_BYTES / CHUNK_BYTES)

/** A chunk count as read from Redis, or null when it is not one the host would write. */
function chunkCount(text: string): number | null {
  const n = /^\d{1,9}$/.test(text) ? Number(text) : 0
  return n >= 1 && n <= MAX_CHUNKS ? n : null
}

/** Puts a version into Redis unless it is there (a count that is not one it wrote is replaced); refreshes its time to live either way. */
export async function publishDataset(redis: Redis, queue: string, hash: string, load: () => LabelledSeries): Promise<void> {
  const head = keys.dataChunks(queue, hash)
  const n = chunkCount((await redis.get(head)) ?? '')
  if (n !== null) {
    const m = redis.multi().expire(head, KEEP_SECONDS)
    for (let i = 0; i < n; i++) m.expire(keys.dataChunk(queue, hash, i), KEEP_SECONDS)
    await m.exec()
    return
  }
  const bytes = encode(load())
  const count = Math.max(1, Math.ceil(bytes.length / CHUNK_BYTES))
  const m = redis.multi()
  for (let i = 0; i < count; i++) m.set(keys.dataChunk(queue, hash, i), bytes.subarray(i * CHUNK_BYTES, (i + 1) * CHUNK_BYTES), 'EX', KEEP_SECONDS)
  // The count last: an agent that sees it finds every chunk (MULTI applies them at once anyway).
  m.set(head, String(count), 'EX', KEEP_SECONDS)
  await m.exec()
}

/** An agent's datasets: fetched once by hash, verified, stored in its cache database. */
export class DatasetCache {
  private readonly inFlight = new Map<string, Promise<void>>()
  /** Versions fetched from Redis by this process. */
  fetched = 0

  constructor(
    private readonly db: Db,
    private readonly redis: Redis,
    private readonly queue: string,
    private readonly log: (line: string) => void = () => {}
  ) {}

  /** Makes sure every version is in the cache; two trials needing one version fetch it once. */
  async ensure(hashes: string[]): Promise<void> {
    await Promise.all(hashes.map((h) => this.ensureOne(h)))
  }

  private ensureOne(hash: string): Promise<void> {
    if (getDatasetMeta(this.db, hash)) return Promise.resolve()
    let p = this.inFlight.get(hash)
    if (!p) {
      p = this.fetch(hash).finally(() => this.inFlight.delete(hash))
      this.inFlight.set(hash, p)
    }
    return p
  }

  private async fetch(hash: string): Promise<void> {
    const name = `dataset version ${hash.slice(0, 12)}`
    const n = await this.redis.get(keys.dataChunks(this.queue, hash))
    if (n === null) throw new Error(`${name} is not in Redis (the host publishes it with the trial; it may have expired)`)
    // What Redis holds is checked before it is loaded: a count and chunk sizes the host would write.
    const count = chunkCount(n)
    if (count === null) throw new Error(`${name}: its chunk count in Redis is '${n.slice(0, 40)}', not 1-${MAX_CHUNKS}: refused`)
    const chunks: Buffer[] = []
    for (let i = 0; i < count; i++) {
      const key = keys.dataChunk(this.queue, hash, i)
      const size = await this.redis.strlen(key)
      if (size > CHUNK_BYTES) throw new Error(`${name}: chunk ${i + 1} of ${count} is ${size} bytes, over the ${CHUNK_BYTES} a chunk holds: refused`)
      const c = size > 0 ? await this.redis.getBuffer(key) : null
      if (!c) throw new Error(`${name}: chunk ${i + 1} of ${count} is missing in Redis`)
      chunks.push(c)
    }
    const bytes = Buffer.concat(chunks)
    let series: LabelledSeries
    let actual: string
    try {
      series = decode<LabelledSeries>(bytes)
      actual = contentHash(series)
    } catch (err) {
      throw new Error(`${name} arrived unreadable (${(err as Error).message}): refused`, { cause: err })
    }
    if (actual !== hash) throw new Error(`${name} arrived with content hashing to ${actual.slice(0, 12)}: refused`)
    saveDataset(this.db, series, { source: 'imported', note: 'cached by a workbench agent' })
    this.fetched++
    this.log(`dataset version ${hash.slice(0, 12)} fetched (${(bytes.length / 2 ** 20).toFixed(1)} MB in ${chunks.length} chunk${chunks.length === 1 ? '' : 's'}), hash checked, cached`)
  }
}

/**
 * A fitted Isolation Forest as one compact byte string (format `workbench-iforest/2`), what a run
 * stores instead of the number arrays of `workbench-iforest/1` (iforest.ts `toJSON`): about 8x
 * smaller than that JSON and decoded in a few milliseconds, bit for bit the same trees.
 *
 * Only what cannot be derived is written. A tree grown by `fitIsolationForest` numbers its nodes
 * as its builder meets them (depth first, left child first, children numbered when their parent
 * splits), so its shape is one bit per node in that order; a split node adds its feature and its
 * float32 threshold, a leaf its sample count. Node ids, children, depths and the sizes of split
 * nodes (the sum of their children's) follow on decoding. The thresholds' bytes are grouped by
 * significance (sign and exponent bytes together) before the whole is deflated.
 *
 * Byte layout of `trees` before deflate (varint: unsigned LEB128):
 *   varint trees; per tree: varint nodes, varint features, that many varint feature ids;
 *   shape bits of every tree (LSB first, padded to a byte); varint split feature per split node;
 *   split thresholds as float32 bytes, all first bytes, then all second bytes, ...;
 *   varint sample count per leaf.
 * A forest whose trees were laid out otherwise (none that this workbench grows) is kept as
 * `workbench-iforest/1` JSON: `encodeForest` never loses a bit.
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib'
import { z } from 'zod'
import { forestHeader, forestHeaderSchema, fromJSON, toJSON, type IsolationForestJSON, type IsolationForestModel, type IsolationTree } from './iforest'

const COMPACT_FOREST_FORMAT = 'workbench-iforest/2'

/** A forest as a run stores it: the header as JSON, the trees as one blob (store/model-blobs-repo.ts). */
const compactForestSchema = forestHeaderSchema.extend({
  format: z.literal(COMPACT_FOREST_FORMAT),
  trees: z.instanceof(Uint8Array, { message: 'the trees (a blob) are missing' })
})
export type CompactForest = z.infer<typeof compactForestSchema>

/** Growable bytes with LEB128 varints. */
class ByteWriter {
  private buf = new Uint8Array(1 << 16)
  length = 0
  private room(n: number): void {
    if (this.length + n <= this.buf.length) return
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.length + n))
    next.set(this.buf.subarray(0, this.length))
    this.buf = next
  }
  varint(v: number): void {
    this.room(5)
    while (v >= 0x80) {
      this.buf[this.length++] = (v & 0x7f) | 0x80
      v >>>= 7
    }
    this.buf[this.length++] = v
  }
  bytes(b: Uint8Array): void {
    this.room(b.length)
    this.buf.set(b, this.length)
    this.length += b.length
  }
  done(): Uint8Array {
    return this.buf.subarray(0, this.length)
  }
}

class ByteReader {
  at = 0
  constructor(private readonly buf: Uint8Array) {}
  get length(): number {
    return this.buf.length
  }
  varint(): number {
    let v = 0
    let shift = 0
    for (;;) {
      if (this.at >= this.buf.length) throw new Error('compact forest: the data ends early')
      const b = this.buf[this.at++]
      v += (b & 0x7f) * 2 ** shift
      if (b < 0x80) return v
      shift += 7
    }
  }
  bytes(n: number): Uint8Array {
    if (this.at + n > this.buf.length) throw new Error('compact forest: the data ends early')
    const out = this.buf.subarray(this.at, this.at + n)
    this.at += n
    return out
  }
}

/** A tree in the order its builder met its nodes, or null when its ids do not follow that order. */
function walk(tree: IsolationTree): { shape: number[]; splits: number[]; leaves: number[] } | null {
  const { feature, threshold, left, right, size, depth } = tree
  const n = feature.length
  const shape: number[] = []
  const splits: number[] = []
  const leaves: number[] = []
  const stack = [0]
  let next = 1
  while (stack.length > 0) {
    const node = stack.pop()!
    if (left[node] >= 0) {
      const l = left[node]
      const r = right[node]
      if (l !== next || r !== next + 1 || r >= n || feature[node] < 0) return null
      if (depth[l] !== depth[node] + 1 || depth[r] !== depth[node] + 1 || size[node] !== size[l] + size[r]) return null
      next += 2
      shape.push(1)
      splits.push(node)
      stack.push(r, l)
    } else {
      if (right[node] !== -1 || left[node] !== -1 || feature[node] !== -1 || size[node] < 0 || !Object.is(threshold[node], 0)) return null
      shape.push(0)
      leaves.push(node)
    }
  }
  return next === n && depth[0] === 0 ? { shape, splits, leaves } : null
}

/**
 * The forest as a run stores it: compact (`workbench-iforest/2`), or `workbench-iforest/1` JSON
 * for trees not laid out as the builder lays them.
 */
export function encodeForest(model: IsolationForestModel): CompactForest | IsolationForestJSON {
  const walks = model.trees.map(walk)
  if (walks.some((w) => w === null) || model.trees.some((t) => t.features.some((f) => f < 0))) return toJSON(model)
  const out = new ByteWriter()
  out.varint(model.trees.length)
  let nodes = 0
  let splits = 0
  for (const t of model.trees) {
    out.varint(t.feature.length)
    out.varint(t.features.length)
    for (const f of t.features) out.varint(f)
    nodes += t.feature.length
  }
  const shape = new Uint8Array(Math.ceil(nodes / 8))
  let bit = 0
  for (const w of walks) {
    for (const s of w!.shape) {
      if (s) shape[bit >> 3] |= 1 << (bit & 7)
      bit++
    }
    splits += w!.splits.length
  }
  out.bytes(shape)
  for (let k = 0; k < walks.length; k++) for (const node of walks[k]!.splits) out.varint(model.trees[k].feature[node])
  const thresholds = new Float32Array(splits)
  let i = 0
  for (let k = 0; k < walks.length; k++) for (const node of walks[k]!.splits) thresholds[i++] = model.trees[k].threshold[node]
  out.bytes(shuffle(new Uint8Array(thresholds.buffer)))
  for (let k = 0; k < walks.length; k++) for (const node of walks[k]!.leaves) out.varint(model.trees[k].size[node])
  return {
    format: COMPACT_FOREST_FORMAT,
    ...forestHeader(model),
    trees: new Uint8Array(deflateRawSync(out.done()))
  }
}

/** float32 bytes [a0 a1 a2 a3 b0 b1 ...] -> [a0 b0 ... a1 b1 ... a2 b2 ... a3 b3 ...]. */
function shuffle(bytes: Uint8Array): Uint8Array {
  const n = bytes.length / 4
  const out = new Uint8Array(bytes.length)
  for (let i = 0; i < n; i++) for (let k = 0; k < 4; k++) out[k * n + i] = bytes[i * 4 + k]
  return out
}

function unshuffle(bytes: Uint8Array): Float32Array {
  const n = bytes.length / 4
  const out = new Uint8Array(bytes.length)
  for (let i = 0; i < n; i++) for (let k = 0; k < 4; k++) out[i * 4 + k] = bytes[k * n + i]
  return new Float32Array(out.buffer)
}

/**
 * The most bytes the trees of a forest with this header can take before deflate: every count in
 * the blob is checked against the header before anything is allocated for it, so a corrupt or
 * hostile blob (a remote agent's result crosses the network) cannot make the host allocate more.
 */
function decodedBytesBound(h: CompactForest): number {
  const nodes = h.params.nEstimators * (2 * h.psi - 1)
  return 5 + h.params.nEstimators * (10 + 5 * h.nFeatures) + Math.ceil(nodes / 8) + nodes * 14
}

function inflateTrees(stored: CompactForest): Uint8Array {
  try {
    return new Uint8Array(inflateRawSync(stored.trees, { maxOutputLength: decodedBytesBound(stored) }))
  } catch (err) {
    throw new Error(`compact forest: the trees blob does not inflate within the header's bounds (${(err as Error).message})`, { cause: err })
  }
}

function checkCount(what: string, n: number, max: number): number {
  if (n > max) throw new Error(`compact forest: ${what} ${n} is more than the header allows (${max})`)
  return n
}

function decodeForest(stored: CompactForest): IsolationForestModel {
  const input = new ByteReader(inflateTrees(stored))
  const count = checkCount('tree count', input.varint(), stored.params.nEstimators)
  const heads: { nodes: number; features: Int32Array }[] = []
  let nodes = 0
  for (let k = 0; k < count; k++) {
    const n = checkCount('node count', input.varint(), 2 * stored.psi - 1)
    if (n < 1) throw new Error(`compact forest: tree ${k} has no nodes`)
    const features = new Int32Array(checkCount('feature count', input.varint(), stored.nFeatures))
    for (let j = 0; j < features.length; j++) features[j] = checkCount('feature id', input.varint(), stored.nFeatures - 1)
    heads.push({ nodes: n, features })
    nodes += n
  }
  const shape = input.bytes(Math.ceil(nodes / 8))
  let splits = 0
  for (let b = 0; b < nodes; b++) splits += (shape[b >> 3] >> (b & 7)) & 1
  const splitFeatures = Array.from({ length: splits }, () => checkCount('split feature id', input.varint(), stored.nFeatures - 1))
  const thresholds = unshuffle(input.bytes(splits * 4))
  let bit = 0
  let s = 0
  const trees = heads.map(({ nodes: n, features }) => {
    const t: IsolationTree = {
      features,
      feature: new Int32Array(n).fill(-1),
      threshold: new Float32Array(n),
      left: new Int32Array(n).fill(-1),
      right: new Int32Array(n).fill(-1),
      size: new Int32Array(n),
      depth: new Int32Array(n)
    }
    const stack = [0]
    let next = 1
    while (stack.length > 0) {
      const node = stack.pop()!
      if ((shape[bit >> 3] >> (bit & 7)) & 1) {
        if (next + 1 >= n) throw new Error('compact forest: a tree has more splits than nodes')
        t.feature[node] = splitFeatures[s]
        t.threshold[node] = thresholds[s++]
        t.left[node] = next
        t.right[node] = next + 1
        t.depth[next] = t.depth[next + 1] = t.depth[node] + 1
        stack.push(next + 1, next)
        next += 2
      } else {
        t.size[node] = input.varint()
      }
      bit++
    }
    if (next !== n) throw new Error(`compact forest: a tree of ${n} nodes has ${next}`)
    for (let i = n - 1; i >= 0; i--) if (t.left[i] >= 0) t.size[i] = t.size[t.left[i]] + t.size[t.right[i]]
    return t
  })
  if (input.at !== input.length) throw new Error(`compact forest: ${input.length - input.at} bytes left over after the last tree`)
  return {
    kind: 'iforest',
    ...forestHeader(stored),
    trees
  }
}

function isModel(m: unknown): m is IsolationForestModel {
  const t = (m as IsolationForestModel | null)?.trees?.[0]
  return t !== undefined && t.left instanceof Int32Array
}

/**
 * The forest a run stored (`results.model.forest`), whichever way it was stored: compact
 * (`workbench-iforest/2`), JSON (`workbench-iforest/1`, runs of workbench 0.2 and older), or a
 * model already in memory.
 */
export function readForest(stored: unknown): IsolationForestModel {
  if (isModel(stored)) return stored
  const format = (stored as { format?: unknown } | null)?.format
  return format === COMPACT_FOREST_FORMAT ? decodeForest(compactForestSchema.parse(stored)) : fromJSON(stored)
}

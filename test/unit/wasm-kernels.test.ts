/**
 * The heap-view wasm kernels (wasm-kernels.ts: Slice, Unpack, SplitV, Tile) against the cpu
 * backend's, bit for bit, over ranks 1-5, partial and whole blocks, negative axes, empty results
 * and every numeric dtype; and they read their input without copying it out of the heap.
 */
import { describe, it, expect, beforeAll, afterAll, vi } from 'vitest'
import * as tf from '@tensorflow/tfjs'
import { initTfjs } from '../../src-main/core/models/deep/tfjs-runtime'
import { swapOf } from '../../src-main/core/models/deep/wasm-transpose'

beforeAll(async () => {
  const r = await initTfjs({ prefer: 'wasm' })
  expect(r.name).toBe('wasm')
})
afterAll(async () => {
  await tf.setBackend('wasm')
})

/** Runs `f` on a fresh tensor of `shape` on cpu and on wasm; returns both results' values and shapes. */
async function onBoth(shape: number[], dtype: 'float32' | 'int32' | 'bool', f: (x: tf.Tensor) => tf.Tensor | tf.Tensor[]) {
  const n = shape.reduce((a, b) => a * b, 1)
  const values = Array.from({ length: n }, (_, i) => (dtype === 'bool' ? i % 3 === 0 : dtype === 'int32' ? i * 7 - 50 : Math.sin(i) * 100))
  const got: Record<string, { shape: number[]; data: number[] }[]> = {}
  for (const backend of ['cpu', 'wasm'] as const) {
    await tf.setBackend(backend)
    const x = tf.tensor(values as number[], shape, dtype)
    const out = f(x)
    const list = Array.isArray(out) ? out : [out]
    got[backend] = list.map((t) => ({ shape: t.shape, data: Array.from(t.dataSync()) }))
    tf.dispose([x, ...list])
  }
  return got
}

/** tf.matMul(a, b, ta, tb) on cpu and on wasm: both products' values (and the shape checked). */
async function matMulOnBoth(a: tf.Tensor, b: tf.Tensor, ta: boolean, tb: boolean, shape: number[]) {
  const got: Record<string, Float32Array> = {}
  for (const backend of ['cpu', 'wasm'] as const) {
    await tf.setBackend(backend)
    const c = tf.matMul(a, b, ta, tb)
    expect(c.shape).toEqual(shape)
    got[backend] = c.dataSync() as Float32Array
    c.dispose()
  }
  return got
}

/** The gradient of `f` at a fixed x on cpu and on wasm. */
async function gradOnBoth(values: number[], shape: number[], f: (t: tf.Tensor) => tf.Tensor) {
  const grads: Record<string, number[]> = {}
  for (const backend of ['cpu', 'wasm'] as const) {
    await tf.setBackend(backend)
    const x = tf.tensor(values, shape)
    const g = tf.grad((t: tf.Tensor) => tf.sum(f(t)))(x)
    grads[backend] = Array.from(g.dataSync())
    tf.dispose([x, g])
  }
  return grads
}

const dtypes = ['float32', 'int32', 'bool'] as const

describe('wasm Slice through a heap view', () => {
  const cases: [number[], number[], number[]][] = [
    [[10], [3], [4]],
    [[4, 6], [1, 0], [2, 6]],
    [[4, 6], [1, 2], [3, 3]],
    [[3, 4, 5], [0, 1, 0], [3, 1, 5]],
    [[3, 4, 5], [1, 0, 2], [-1, 4, 2]],
    [[2, 3, 4, 5], [1, 1, 1, 1], [1, 2, 3, 4]],
    [[2, 3, 2, 3, 2], [0, 1, 0, 1, 0], [2, 2, 2, 2, 1]],
    [[4, 6], [1, 2], [0, 3]]
  ]
  for (const dtype of dtypes) {
    for (const [shape, begin, size] of cases) {
      it(`equals cpu: ${dtype} [${shape}] begin [${begin}] size [${size}]`, async () => {
        const got = await onBoth(shape, dtype, (x) => tf.slice(x, begin, size))
        expect(got.wasm).toEqual(got.cpu)
      })
    }
  }

  it('does not read its input out of the heap', () => {
    const x = tf.randomNormal([64, 60, 32])
    const spy = vi.spyOn(tf.backend(), 'readSync')
    const parts = [tf.slice(x, [0, 5, 0], [64, 1, 32]), ...tf.unstack(x, 1), ...tf.split(x, [10, 50], 1)]
    expect(spy).not.toHaveBeenCalled()
    spy.mockRestore()
    tf.dispose([x, ...parts])
  })
})

describe('wasm Unpack and SplitV through a heap view', () => {
  for (const dtype of dtypes) {
    for (const axis of [0, 1, 2, -1]) {
      it(`unstack equals cpu: ${dtype} [3, 4, 5] axis ${axis}`, async () => {
        const got = await onBoth([3, 4, 5], dtype, (x) => tf.unstack(x, axis))
        expect(got.wasm).toEqual(got.cpu)
      })
      it(`split equals cpu: ${dtype} [4, 6, 8] axis ${axis}`, async () => {
        const got = await onBoth([4, 6, 8], dtype, (x) => tf.split(x, 2, axis))
        expect(got.wasm).toEqual(got.cpu)
      })
    }
    it(`split with sizes (and -1) equals cpu: ${dtype}`, async () => {
      const got = await onBoth([5, 7], dtype, (x) => tf.split(x, [2, -1, 1], 1))
      expect(got.wasm).toEqual(got.cpu)
    })
  }
})

describe('wasm Tile by block copies', () => {
  const cases: [number[], number[]][] = [
    [[3], [4]],
    [[1, 1, 8], [16, 12, 1]],
    [[2, 3], [3, 2]],
    [[2, 1, 3], [1, 4, 2]],
    [[2, 2, 2, 2], [2, 1, 3, 1]],
    [[1, 2, 1, 2, 1], [2, 1, 2, 1, 2]],
    [[2, 3], [0, 2]]
  ]
  for (const dtype of dtypes) {
    for (const [shape, reps] of cases) {
      it(`equals cpu: ${dtype} [${shape}] x [${reps}]`, async () => {
        const got = await onBoth(shape, dtype, (x) => tf.tile(x, reps))
        expect(got.wasm).toEqual(got.cpu)
      })
    }
  }

  it("gives BatchNormalization's gradient the same values as on cpu", async () => {
    const grads = await gradOnBoth(
      Array.from({ length: 4 * 5 * 6 }, (_, i) => Math.cos(i)),
      [4, 5, 6],
      (t) => tf.batchNorm(t, tf.zeros([6]), tf.fill([6], 2), tf.fill([6], 0.25), tf.fill([6], 1.5))
    )
    expect(grads.wasm).toEqual(grads.cpu)
  })
})

describe('wasm BatchMatMul by wasm-gemm (one matrix by one matrix)', () => {
  // M not a multiple of the row block (4 or 6), N not of 8, K over the chunk length, batch
  // dimensions of 1; the LSTM step's recurrence (64 rows: 60 in blocks of 6, then 4).
  const shapes: [number, number, number][] = [
    [1, 1, 1],
    [5, 3, 7],
    [7, 20, 16],
    [64, 128, 512],
    [128, 128, 512],
    [137, 1100, 24],
    [6, 600, 9],
    [128, 32, 1]
  ]
  const worst = { d: 0 }
  afterAll(() => console.log('wasm-gemm vs cpu, max |diff| / sqrt(k):', worst.d))

  for (const [m, k, n] of shapes) {
    for (const [ta, tb] of [
      [false, false],
      [true, false],
      [false, true],
      [true, true]
    ]) {
      it(`equals cpu within float32 rounding: [${m}, ${k}] x [${k}, ${n}]${ta ? ' A^T' : ''}${tb ? ' B^T' : ''}`, async () => {
        const a = tf.tensor(Array.from({ length: m * k }, (_, i) => Math.sin(i * 0.37)), ta ? [k, m] : [m, k])
        const b = tf.tensor(Array.from({ length: k * n }, (_, i) => Math.cos(i * 0.11)), tb ? [1, n, k] : [1, k, n])
        const got = await matMulOnBoth(a, b, ta, tb, [1, m, n])
        const d = got.cpu.reduce((mx, x, i) => Math.max(mx, Math.abs(x - got.wasm[i])), 0) / Math.sqrt(k)
        worst.d = Math.max(worst.d, d)
        expect(d).toBeLessThan(1e-5)
        tf.dispose([a, b])
      })
    }
  }

  it('does not reuse a packed B for a new tensor at the same heap offset', async () => {
    await tf.setBackend('wasm')
    const a = tf.ones([4, 8])
    const results: number[] = []
    for (let v = 1; v <= 3; v++) {
      // Same shape each time: the freed block is likely handed out again.
      const b = tf.fill([8, 16], v)
      const c = tf.matMul(a, b)
      results.push(c.dataSync()[0])
      tf.dispose([b, c])
    }
    expect(results).toEqual([8, 16, 24])
    a.dispose()
  })
})

describe('wasm BatchMatMul by wasm-batched-gemm (a batch of products)', () => {
  // Odd m and k, n a multiple of 4 (the batched path) and not (tfjs's kernel), rank 3 and 4,
  // the attention layer's shapes (batch 64 x 4 heads, 12 x 32 and 12 x 12).
  const cases: [number[], number, number, number][] = [
    [[3], 5, 7, 4],
    [[2, 3], 1, 1, 8],
    [[5], 13, 3, 36],
    [[4], 9, 17, 6],
    [[64, 4], 12, 32, 12],
    [[64, 4], 12, 12, 32]
  ]
  for (const [outer, m, k, n] of cases) {
    for (const [ta, tb] of [
      [false, false],
      [true, false],
      [false, true],
      [true, true]
    ]) {
      it(`equals cpu within 1e-6: [${outer}] x [${m}, ${k}] x [${k}, ${n}]${ta ? ' A^T' : ''}${tb ? ' B^T' : ''}`, async () => {
        const batches = outer.reduce((p, q) => p * q, 1)
        const a = tf.tensor(Array.from({ length: batches * m * k }, (_, i) => Math.sin(i * 0.37)), [...outer, ...(ta ? [k, m] : [m, k])])
        const b = tf.tensor(Array.from({ length: batches * k * n }, (_, i) => Math.cos(i * 0.11)), [...outer, ...(tb ? [n, k] : [k, n])])
        const got = await matMulOnBoth(a, b, ta, tb, [...outer, m, n])
        for (let i = 0; i < got.cpu.length; i++) expect(Math.abs(got.wasm[i] - got.cpu[i])).toBeLessThan(1e-6 * Math.max(1, Math.abs(got.cpu[i])) * Math.sqrt(k))
        tf.dispose([a, b])
      })
    }
  }

  it('takes the products of every batch element (no element repeated or skipped)', async () => {
    await tf.setBackend('wasm')
    // A[b] = (b + 1) I, B[b] = ones: C[b] is all b + 1.
    const a = tf.mul(tf.eye(4).expandDims(0).tile([6, 1, 1]), tf.range(1, 7).reshape([6, 1, 1]))
    const b = tf.ones([6, 4, 8])
    const c = tf.matMul(a, b, true, false)
    const rows = (await c.array()) as number[][][]
    expect(rows.map((r) => r.flat().every((x) => x === r[0][0]) && r[0][0])).toEqual([1, 2, 3, 4, 5, 6])
    tf.dispose([a, b, c])
  })
})

describe('wasm Identity shares its input', () => {
  it('returns the same values without a new block on the heap', async () => {
    await tf.setBackend('wasm')
    const x = tf.tensor([1.5, -2, 3, 4], [2, 2])
    const buffers = tf.memory().numDataBuffers
    const y = tf.clone(x)
    expect(Array.from(y.dataSync())).toEqual([1.5, -2, 3, 4])
    expect(tf.memory().numDataBuffers).toBe(buffers)
    // Disposing one leaves the other readable (reference counted, as on cpu).
    x.dispose()
    expect(Array.from(y.dataSync())).toEqual([1.5, -2, 3, 4])
    y.dispose()
  })

  it('gives a custom gradient the same values as on cpu', async () => {
    const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
      const [x, save] = args as [tf.Tensor, tf.GradSaveFunc]
      save([x])
      return { value: tf.square(x), gradFunc: (dy: tf.Tensor, [sx]: tf.Tensor[]) => tf.mul(dy, tf.mul(sx, 2)) }
    })
    const grads = await gradOnBoth([0.5, -1, 2, 3], [4], (t) => f(t) as tf.Tensor)
    expect(grads.wasm).toEqual(grads.cpu)
  })
})

describe('wasm Sum over leading axes by column sums', () => {
  const cases: [number[], number[], boolean][] = [
    [[768, 128], [0], false],
    [[7, 12], [0], true],
    [[3, 5, 8], [0, 1], false],
    [[3, 5, 8], [1, 0], true],
    [[2, 3, 4, 4], [0, 1, 2], false],
    [[5, 6], [0], false], // width not a multiple of 4: tfjs's kernel
    [[4, 6, 8], [1], false], // not leading: tfjs's kernel
    [[4, 8], [-2], false]
  ]
  for (const [shape, axis, keepDims] of cases) {
    it(`equals cpu within 1e-6: [${shape}] axis [${axis}]${keepDims ? ' keepDims' : ''}`, async () => {
      const got = await onBoth(shape, 'float32', (x) => tf.sum(x, axis, keepDims))
      expect(got.wasm[0].shape).toEqual(got.cpu[0].shape)
      const rows = shape.reduce((p, q) => p * q, 1) / got.cpu[0].data.length
      got.cpu[0].data.forEach((v, i) => expect(Math.abs(got.wasm[0].data[i] - v)).toBeLessThan(1e-6 * rows * 100))
    })
  }

  it('leaves int32 sums to tfjs (exact)', async () => {
    const got = await onBoth([6, 8], 'int32', (x) => tf.sum(x, 0))
    expect(got.wasm).toEqual(got.cpu)
  })
})

describe('wasm Concat and Pack by copyWithin', () => {
  // tf.reverse (used to make distinct inputs) takes no bool.
  for (const dtype of ['float32', 'int32'] as const) {
    for (const axis of [0, 1, 2, -1]) {
      it(`concat equals cpu: ${dtype} [2, 3, 4] + [2, 3, 4] axis ${axis}`, async () => {
        const got = await onBoth([2, 3, 4], dtype, (x) => tf.concat([x, tf.reverse(x, 0), x], axis))
        expect(got.wasm).toEqual(got.cpu)
      })
      it(`stack equals cpu: ${dtype} 3 x [2, 3, 4] axis ${axis}`, async () => {
        const got = await onBoth([2, 3, 4], dtype, (x) => tf.stack([x, tf.reverse(x, 1), x], axis))
        expect(got.wasm).toEqual(got.cpu)
      })
    }
  }
  it('concat skips empty inputs like cpu', async () => {
    const got = await onBoth([3, 2], 'float32', (x) => tf.concat([x, tf.zeros([3, 0]), x], 1))
    expect(got.wasm).toEqual(got.cpu)
  })
})

describe('Mean and Sum gradients without a tensor of ones (reduce-gradients.ts)', () => {
  // tfjs's own formula: dy reshaped to x's rank, times ones(x.shape), divided by the count (Mean).
  const tfjsGradient = (x: tf.Tensor, axis: number[], mean: boolean, dy: tf.Tensor) =>
    tf.tidy(() => {
      const expanded = tf.reshape(dy, x.shape.map((d, i) => (axis.includes(i) ? 1 : d)))
      const times = tf.mul(expanded, tf.ones(x.shape, 'float32'))
      return mean ? tf.div(times, axis.reduce((n, a) => n * x.shape[a], 1)) : times
    })
  for (const backend of ['cpu', 'wasm'] as const) {
    for (const [shape, axis] of [
      [[64, 12, 128], [1]],
      [[5, 3, 7], [0, 2]],
      [[6], [0]],
      [[4, 9], [1]]
    ] as [number[], number[]][]) {
      for (const mean of [true, false]) {
        it(`equal tfjs's bit for bit: ${backend} ${mean ? 'mean' : 'sum'} [${shape}] axis [${axis}]`, async () => {
          await tf.setBackend(backend)
          const n = shape.reduce((a, b) => a * b, 1)
          const x = tf.tensor(Array.from({ length: n }, (_, i) => Math.sin(i) * 3), shape)
          // A non-uniform dy: the gradient of a weighted sum of the reduction.
          const w = tf.tidy(() => {
            const r = mean ? tf.mean(x, axis) : tf.sum(x, axis)
            return tf.mul(tf.reshape(tf.range(1, r.size + 1), r.shape), 0.37)
          })
          const got = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(mean ? tf.mean(t, axis) : tf.sum(t, axis), w)))(x)
          const want = tfjsGradient(x, axis, mean, w)
          expect(got.shape).toEqual(shape)
          expect(Array.from(got.dataSync())).toEqual(Array.from(want.dataSync()))
          tf.dispose([x, w, got, want])
        })
      }
    }
  }
})

describe('wasm Transpose keeping the innermost axis (wasm-transpose.ts)', () => {
  // The attention heads' split and merge, the LSTM's time-major swap, rank 5 with leading and
  // trailing axes left in place, runs of 4 and of 1 element (tfjs's kernel), other permutations.
  const cases: [number[], number[]][] = [
    [[64, 12, 4, 32], [0, 2, 1, 3]],
    [[64, 4, 12, 32], [0, 2, 1, 3]],
    [[7, 5, 8], [1, 0, 2]],
    [[2, 3, 5, 7, 4], [0, 3, 1, 2, 4]],
    [[3, 2, 5, 4, 2], [0, 2, 3, 1, 4]],
    [[5, 3, 4], [2, 1, 0]],
    [[6, 9], [1, 0]],
    [[5, 3, 6], [1, 0, 2]]
  ]
  it('takes the swaps of whole f32x4 runs and leaves the rest to tfjs', () => {
    expect(cases.map(([shape, perm]) => swapOf(shape, perm, 4))).toEqual([[64, 12, 4, 32], [64, 4, 12, 32], [1, 7, 5, 8], [2, 3 * 5, 7, 4], null, null, null, null])
  })
  for (const dtype of ['float32', 'int32'] as const) {
    for (const [shape, perm] of cases) {
      it(`equals cpu: ${dtype} [${shape}] perm [${perm}]`, async () => {
        const got = await onBoth(shape, dtype, (x) => tf.transpose(x, perm))
        expect(got.wasm).toEqual(got.cpu)
      })
    }
  }
})

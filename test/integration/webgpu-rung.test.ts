/**
 * The WebGPU rung (Dawn through the `webgpu` package): the probe's classification of what Dawn
 * finds, and the rung's numbers against the cpu backend. The parity test needs an adapter: a GPU
 * where the machine has one; elsewhere Mesa's llvmpipe through Dawn's OpenGL backend (a CPU
 * adapter, admitted explicitly: it checks the rung's mechanics, not GPU speed); with neither it is
 * skipped with the probe's reason.
 */
import { describe, it, expect } from 'vitest'
import * as tf from '@tensorflow/tfjs'
import { existsSync, readdirSync } from 'node:fs'
import { probeWebgpu, type WebgpuRungOptions } from '../../src-main/core/models/webgpu-probe'
import { initTfjs } from '../../src-main/core/models/deep/tfjs-runtime'
import { buildLstmAutoencoder, mseLoss } from '../../src-main/core/models/deep/lstm-autoencoder'
import { trainLoop } from '../../src-main/core/models/deep/train-loop'

// Mesa's EGL without a display server (its "surfaceless" platform) for Dawn's OpenGL backend;
// read by libEGL when Dawn opens its display, in this process and the probe's child alike.
process.env.EGL_PLATFORM ??= 'surfaceless'
const LLVMPIPE: WebgpuRungOptions = { skipDeviceNodeCheck: true, dawn: ['backend=opengl'], featureLevel: 'compatibility' }

const hasGpuDeviceNode = existsSync('/dev/nvidia0') || (existsSync('/dev/dri') && readdirSync('/dev/dri').some((f) => f.startsWith('renderD')))

describe('webgpu probe', () => {
  it.skipIf(process.platform !== 'linux' || hasGpuDeviceNode)('answers a Linux machine without a GPU device node without starting Dawn', async () => {
    const p = await probeWebgpu()
    expect(p).toEqual({ available: false, adapter: null, reason: expect.stringMatching(/^no GPU device on this machine/) })
  })

  it("passes on Dawn's own reason when Dawn finds no adapter", async () => {
    // dawn.node's 'adapter=' option admits only an adapter of that name: none is called this.
    const p = await probeWebgpu({ skipDeviceNodeCheck: true, dawn: ['adapter=no-such-adapter'] })
    expect(p.available).toBe(false)
    expect(p.adapter).toBeNull()
    expect(p.reason).toMatch(/^Dawn found no WebGPU adapter/)
  }, 60_000)

  it("treats Dawn's null backend, which computes nothing, as no GPU", async () => {
    const p = await probeWebgpu({ skipDeviceNodeCheck: true, dawn: ['backend=null'] })
    expect(p.adapter?.device).toBe('null-backend')
    expect(p.available).toBe(false)
    expect(p.reason).toMatch(/runs on the CPU \(null-backend/)
  }, 60_000)

  it("treats Mesa's llvmpipe (a CPU rasteriser) as no GPU, though Dawn does not flag it as a fallback adapter", async (ctx) => {
    const p = await probeWebgpu(LLVMPIPE)
    if (!p.adapter) ctx.skip(`no llvmpipe adapter through Dawn's OpenGL backend here (Debian: libegl-mesa0, libgl1-mesa-dri): ${p.reason}`)
    expect(p.adapter!.device).toMatch(/llvmpipe/)
    expect(p.adapter!.isFallbackAdapter).toBe(false)
    expect(p.available).toBe(false)
    expect(p.reason).toMatch(/runs on the CPU \(llvmpipe/)
    // Admitted only when a caller asks for a CPU adapter.
    expect((await probeWebgpu({ ...LLVMPIPE, allowCpuAdapter: true })).available).toBe(true)
  }, 60_000)
})

/** A small LSTM autoencoder's output, loss and gradients on the current backend. */
async function autoencoderPass(): Promise<{ out: Float32Array; loss: number; grads: Float32Array[] }> {
  const features = 3
  const m = buildLstmAutoencoder({ window: 12, units: [16, 8], dropout: 0, seed: 7 }, features)
  const x = tf.tensor3d(Array.from({ length: 8 * 12 * features }, (_, i) => Math.sin(i * 0.37) * 0.8), [8, 12, features])
  const y = m.predict(x) as tf.Tensor
  const { value, grads } = tf.variableGrads(() => mseLoss(x, m.apply(x, { training: true }) as tf.Tensor))
  // The model's weights in layer order (variable names differ between two builds).
  const ordered = m.trainableWeights.map((w) => grads[w.name])
  const result = {
    out: (await y.data()) as Float32Array,
    loss: (await value.data())[0],
    grads: await Promise.all(ordered.map((g) => g.data() as Promise<Float32Array>))
  }
  tf.dispose([x, y, value, ...Object.values(grads)])
  m.dispose()
  return result
}

// Relative to each output's largest magnitude. Float32 sums in other orders and GPU tanh / exp
// differ by ~1e-7 of the values (llvmpipe: outputs 7e-5, loss 1e-7, gradients 1e-5 of their
// scale); a wrong kernel is off by the values' own size.
const TOLERANCE = 5e-4
const maxDiff = (a: Float32Array, b: Float32Array): number => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0)
const maxAbs = (a: Float32Array): number => a.reduce((m, v) => Math.max(m, Math.abs(v)), 0)

describe('webgpu rung', () => {
  it("trains an LSTM autoencoder with the cpu backend's output, loss and gradients", async (ctx) => {
    const gpu = await probeWebgpu()
    const soft = gpu.available ? null : await probeWebgpu({ ...LLVMPIPE, allowCpuAdapter: true })
    if (!gpu.available && !soft?.available) ctx.skip(`no WebGPU adapter here: ${gpu.reason}; llvmpipe through OpenGL: ${soft?.reason}`)
    const webgpu = gpu.available ? undefined : { ...LLVMPIPE, allowCpuAdapter: true }
    const report = await initTfjs({ prefer: 'webgpu', webgpu })
    expect(report.name).toBe('webgpu')
    expect(report.details?.cpuAdapter).toBe(!gpu.available)
    expect(report.details?.parityMaxRelDiff).toBeLessThanOrEqual(1e-4)

    await tf.setBackend('cpu')
    const ref = await autoencoderPass()
    await tf.setBackend('webgpu')
    const got = await autoencoderPass()
    expect(maxDiff(got.out, ref.out)).toBeLessThanOrEqual(TOLERANCE * maxAbs(ref.out))
    expect(Math.abs(got.loss - ref.loss)).toBeLessThanOrEqual(TOLERANCE * ref.loss)
    expect(got.grads).toHaveLength(ref.grads.length)
    ref.grads.forEach((g, i) => expect(maxDiff(got.grads[i], g)).toBeLessThanOrEqual(TOLERANCE * maxAbs(g)))
  }, 300_000)

  it('stops training with the device error when the GPU reports one', async (ctx) => {
    if (tf.getBackend() !== 'webgpu') ctx.skip('the webgpu rung did not start here (see the test above)')
    // An invalid buffer (MAP_READ with STORAGE) raises a validation error, which WebGPU reports
    // only as an event: tfjs carries on, so the loop must look.
    const { device } = tf.backend() as unknown as { device: { createBuffer(d: { size: number; usage: number }): unknown } }
    device.createBuffer({ size: 16, usage: 0x0001 | 0x0080 })
    const model = tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [4] })] })
    const train = { size: 8, take: (idx: Int32Array) => ({ x: tf.ones([idx.length, 4]), y: tf.zeros([idx.length, 1]) }) }
    const run = trainLoop({ model, loss: mseLoss, train, val: null, epochs: 2, batchSize: 4, learningRate: 0.01 })
    await expect(run).rejects.toThrow(/^the GPU \(webgpu rung\) reported an error in epoch 1, batch 1: .*usage/i)
  }, 60_000)
})


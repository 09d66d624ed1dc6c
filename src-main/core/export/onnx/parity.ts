/**
 * Parity of an exported model with the trained one: run the ONNX bytes in ONNX Runtime (CPU) on
 * golden inputs and compare every output with the reference outputs. The bundle writer fails an
 * export that is not ok; `verify` reruns the same check from golden.json.
 */
import * as ort from 'onnxruntime-node'
import { graphIO } from './graph'

export type Reference = (inputs: Float32Array, n: number) => Promise<Float32Array[]>

export interface ParityResult {
  ok: boolean
  tolerance: number
  /** Output name -> max |onnx - reference| (Infinity on a NaN / shape mismatch). */
  maxAbsDiff: Record<string, number>
  /** The ONNX Runtime outputs, in graph output order. */
  outputs: Float32Array[]
  /** Why not ok, when it is not. */
  problems: string[]
}

/** Runs the model in ORT on n rows of `inputs` (row-major, [n, ...input dims]); outputs in graph order. */
export async function runOnnx(onnx: Uint8Array, inputs: Float32Array, n: number, session?: ort.InferenceSession): Promise<Float32Array[]> {
  const io = graphIO(onnx)
  if (io.inputs.length !== 1) throw new Error(`expected one graph input, found ${io.inputs.length}`)
  const dims = io.inputs[0].shape.map((d, i) => (i === 0 ? n : typeof d === 'number' ? d : NaN))
  if (dims.some((d) => !Number.isFinite(d))) throw new Error(`input '${io.inputs[0].name}' has a symbolic dimension other than the batch`)
  const per = dims.slice(1).reduce((a, b) => a * b, 1)
  if (inputs.length !== n * per) throw new Error(`inputs hold ${inputs.length} values; ${n} rows of [${dims.slice(1).join(', ')}] need ${n * per}`)
  const s = session ?? (await ort.InferenceSession.create(onnx))
  try {
    const feeds = { [io.inputs[0].name]: new ort.Tensor('float32', inputs, dims) }
    const res = await s.run(feeds)
    return io.outputs.map((o) => {
      const t = res[o.name]
      if (!t) throw new Error(`ONNX Runtime returned no output '${o.name}'`)
      return Float32Array.from(t.data as Float32Array)
    })
  } finally {
    if (!session) await s.release()
  }
}

export async function checkParity(onnx: Uint8Array, reference: Reference, goldenInputs: Float32Array, n: number, tolerance = 1e-4): Promise<ParityResult> {
  const io = graphIO(onnx)
  const outputs = await runOnnx(onnx, goldenInputs, n)
  const expected = await reference(goldenInputs, n)
  const maxAbsDiff: Record<string, number> = {}
  const problems: string[] = []
  io.outputs.forEach((o, k) => {
    const a = outputs[k]
    const b = expected[k]
    if (!b) {
      maxAbsDiff[o.name] = Infinity
      problems.push(`reference gives no output for '${o.name}'`)
      return
    }
    if (a.length !== b.length) {
      maxAbsDiff[o.name] = Infinity
      problems.push(`'${o.name}': ONNX gives ${a.length} values, the reference ${b.length}`)
      return
    }
    let m = 0
    for (let i = 0; i < a.length; i++) {
      const d = Math.abs(a[i] - b[i])
      // NaN on either side (or a NaN difference) is a failure, never silently "0".
      if (!(d <= m)) m = Number.isNaN(d) ? Infinity : d
    }
    maxAbsDiff[o.name] = m
    if (!(m <= tolerance)) problems.push(`'${o.name}': max |diff| ${m} > ${tolerance}`)
  })
  return { ok: problems.length === 0, tolerance, maxAbsDiff, outputs, problems }
}

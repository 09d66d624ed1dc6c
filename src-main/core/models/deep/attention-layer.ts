/**
 * Multi-head self-attention as a tfjs layer (tfjs 4.22 ships no MultiHeadAttention).
 *
 * For an input x of shape [batch, time, dModel]:
 *   Q = x Wq + bq, K = x Wk + bk, V = x Wv + bv        each [batch, time, heads * keyDim]
 *   split heads                                         [batch, heads, time, keyDim]
 *   A = softmax(Q K^T / sqrt(keyDim)) over the key axis [batch, heads, time, time]
 *   C = dropout(A) V, heads merged back                 [batch, time, heads * keyDim]
 *   y = C Wo + bo                                       [batch, time, dModel]
 * which is Keras' `MultiHeadAttention(num_heads, key_dim)(x, x)` (value_dim = key_dim, output
 * projected back to the query's width).
 *
 * The projection kernels are stored as 2-D matrices [dModel, heads * keyDim] (Keras keeps them
 * as [dModel, heads, keyDim]; the bytes are the same in row-major order) so that every
 * projection is one plain MatMul + Add: that is also what an ONNX exporter writes, with the head
 * split as Reshape + Transpose.
 *
 * Dropout is applied to the attention probabilities only in training mode (`training: true`),
 * which includes MC-dropout passes made with `model.apply(x, { training: true })`.
 */
import * as tf from '@tensorflow/tfjs'
import { dropout } from './fused-dropout'

export interface MultiHeadSelfAttentionArgs {
  numHeads: number
  keyDim: number
  /** Dropout rate on the attention probabilities (training only). */
  dropout?: number
  /** Seed for the kernel initializers (glorot uniform); biases start at zero. */
  seed?: number
  name?: string
  trainable?: boolean
  inputShape?: (number | null)[]
  batchInputShape?: (number | null)[]
}

type Kwargs = Record<string, unknown>

export class MultiHeadSelfAttention extends tf.layers.Layer {
  static className = 'MultiHeadSelfAttention'
  readonly numHeads: number
  readonly keyDim: number
  readonly dropoutRate: number
  readonly seed: number | undefined
  private wq!: tf.LayerVariable
  private bq!: tf.LayerVariable
  private wk!: tf.LayerVariable
  private bk!: tf.LayerVariable
  private wv!: tf.LayerVariable
  private bv!: tf.LayerVariable
  private wo!: tf.LayerVariable
  private bo!: tf.LayerVariable

  constructor(args: MultiHeadSelfAttentionArgs) {
    super(args)
    if (!Number.isInteger(args.numHeads) || args.numHeads < 1) throw new Error(`numHeads must be an integer >= 1, got ${args.numHeads}`)
    if (!Number.isInteger(args.keyDim) || args.keyDim < 1) throw new Error(`keyDim must be an integer >= 1, got ${args.keyDim}`)
    const rate = args.dropout ?? 0
    if (!(rate >= 0 && rate < 1)) throw new Error(`dropout must be in [0, 1), got ${rate}`)
    this.numHeads = args.numHeads
    this.keyDim = args.keyDim
    this.dropoutRate = rate
    this.seed = args.seed
    this.supportsMasking = false
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape
    const dModel = shape[shape.length - 1]
    if (shape.length !== 3 || dModel == null) throw new Error(`MultiHeadSelfAttention expects [batch, time, features], got [${shape.join(', ')}]`)
    const inner = this.numHeads * this.keyDim
    // Distinct seeds per kernel: the same seed would make Q, K and V start identical.
    const glorot = (k: number) => tf.initializers.glorotUniform({ seed: this.seed === undefined ? undefined : this.seed + k })
    const zeros = tf.initializers.zeros()
    this.wq = this.addWeight('query_kernel', [dModel, inner], 'float32', glorot(1))
    this.bq = this.addWeight('query_bias', [inner], 'float32', zeros)
    this.wk = this.addWeight('key_kernel', [dModel, inner], 'float32', glorot(2))
    this.bk = this.addWeight('key_bias', [inner], 'float32', zeros)
    this.wv = this.addWeight('value_kernel', [dModel, inner], 'float32', glorot(3))
    this.bv = this.addWeight('value_bias', [inner], 'float32', zeros)
    this.wo = this.addWeight('output_kernel', [inner, dModel], 'float32', glorot(4))
    this.bo = this.addWeight('output_bias', [dModel], 'float32', zeros)
    this.built = true
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    return (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape
  }

  /** x [b, t, d] -> x W + bias, keeping the batch and time axes. */
  private project(x: tf.Tensor3D, w: tf.LayerVariable, b: tf.LayerVariable): tf.Tensor3D {
    const [batch, time, d] = x.shape
    const kernel = w.read() as tf.Tensor2D
    // Flatten to 2-D so the product is one plain MatMul (fast path on every backend).
    const y = tf.add(tf.matMul(tf.reshape(x, [batch * time, d]), kernel), b.read())
    return tf.reshape(y, [batch, time, kernel.shape[1]])
  }

  /** [b, t, heads * k] -> [b, heads, t, k] */
  private splitHeads(x: tf.Tensor3D): tf.Tensor4D {
    const [batch, time] = x.shape
    return tf.transpose(tf.reshape(x, [batch, time, this.numHeads, this.keyDim]), [0, 2, 1, 3])
  }

  /** Softmax attention probabilities [b, heads, t, t], plus the value heads. */
  private attend(x: tf.Tensor3D): { probs: tf.Tensor4D; v: tf.Tensor4D } {
    const q = this.splitHeads(this.project(x, this.wq, this.bq))
    const k = this.splitHeads(this.project(x, this.wk, this.bk))
    const v = this.splitHeads(this.project(x, this.wv, this.bv))
    // Scale Q (a [b,h,t,k] tensor) rather than the logits: same maths, and it keeps the logits
    // of a wide keyDim from saturating the softmax at initialisation.
    const logits = tf.matMul(tf.mul(q, 1 / Math.sqrt(this.keyDim)), k, false, true)
    // tf.softmax subtracts the row max first (logSumExp-stable).
    return { probs: tf.softmax(logits, -1) as tf.Tensor4D, v }
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor3D
      const [batch, time] = x.shape
      const attended = this.attend(x)
      const v = attended.v
      let probs = attended.probs
      if (kwargs?.training === true && this.dropoutRate > 0) probs = dropout(probs, this.dropoutRate) as tf.Tensor4D
      const ctx = tf.matMul(probs, v) // [b, h, t, k]
      const merged = tf.reshape(tf.transpose(ctx, [0, 2, 1, 3]), [batch, time, this.numHeads * this.keyDim]) as tf.Tensor3D
      return this.project(merged, this.wo, this.bo)
    })
  }

  /**
   * Attention probabilities [batch, heads, time (query), time (key)] for interpretability:
   * row i says how much each month contributed to month i's representation. Inference mode (no
   * dropout). `x` is this layer's input, e.g. from `attentionInputModel(model)`.
   */
  attentionScores(x: tf.Tensor3D): tf.Tensor4D {
    if (!this.built) this.build(x.shape)
    return tf.tidy(() => this.attend(x).probs)
  }

  override getConfig(): tf.serialization.ConfigDict {
    const config: tf.serialization.ConfigDict = { numHeads: this.numHeads, keyDim: this.keyDim, dropout: this.dropoutRate }
    if (this.seed !== undefined) config.seed = this.seed
    return { ...super.getConfig(), ...config }
  }
}

tf.serialization.registerClass(MultiHeadSelfAttention)

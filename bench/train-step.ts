import * as tf from '@tensorflow/tfjs'

/** One training step of `model` on (x, y): gradients of `loss` for every trainable weight, applied by `opt`. */
export function trainStepOf(model: tf.LayersModel, loss: (y: tf.Tensor, pred: tf.Tensor) => tf.Scalar, x: tf.Tensor, y: tf.Tensor, opt: tf.Optimizer): () => void {
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable)
  return () =>
    tf.tidy(() => {
      const { grads } = tf.variableGrads(() => loss(y, model.apply(x, { training: true }) as tf.Tensor), vars)
      opt.applyGradients(grads as unknown as { [name: string]: tf.Variable })
    })
}

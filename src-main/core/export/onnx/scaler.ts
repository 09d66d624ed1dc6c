/**
 * The StandardScaler folded into the graph, so an exported model takes RAW features.
 *
 * Why in float64: the training code scales with `applyScaler` (core/data/scaler.ts), which
 * computes (x - mean) / scale in float64 and rounds once to float32. Doing the same here
 * (Cast to double, Sub, Div, Cast to float) gives bit-identical scaled inputs. A float32 Sub + Div
 * would differ by an ulp now and then, which is harmless for the LSTMs but can send an Isolation
 * Forest sample down the other branch of a split whose threshold lies within that ulp.
 */
import { DataType, type GraphBuilder } from './graph'

export interface ScalerLike {
  mean: number[]
  scale: number[]
}

export function checkScaler(scaler: ScalerLike, features: number): void {
  if (scaler.mean.length !== features || scaler.scale.length !== features) {
    throw new Error(`scaler has ${scaler.mean.length} means and ${scaler.scale.length} scales; the model has ${features} features`)
  }
  scaler.scale.forEach((s, j) => {
    if (!Number.isFinite(s) || s === 0) throw new Error(`scaler scale of feature ${j} is ${s}: cannot divide by it`)
  })
  scaler.mean.forEach((m, j) => {
    if (!Number.isFinite(m)) throw new Error(`scaler mean of feature ${j} is ${m}`)
  })
}

/**
 * x (float32, features on the last axis) -> (x - mean) / scale as float32. Broadcasting of the
 * [features] constants works for [N, F] and [N, T, F] alike.
 */
export function foldScaler(g: GraphBuilder, x: string, scaler: ScalerLike): string {
  const f = scaler.mean.length
  checkScaler(scaler, f)
  const xd = g.node('Cast', [x], { to: DataType.DOUBLE }, { name: 'scaler_cast' })
  const centred = g.node('Sub', [xd, g.double('scaler_mean', [f], scaler.mean)], {}, { name: 'scaler_sub' })
  const scaled = g.node('Div', [centred, g.double('scaler_scale', [f], scaler.scale)], {}, { name: 'scaler_div' })
  return g.node('Cast', [scaled], { to: DataType.FLOAT }, { name: 'scaled' })
}

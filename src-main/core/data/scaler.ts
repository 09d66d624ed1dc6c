/**
 * StandardScaler, as sklearn defines it: per column, subtract the mean and divide by the
 * population standard deviation (ddof = 0); a constant column gets scale 1 so it maps to 0
 * instead of NaN. Mean and scale are plain numbers so they can go into preprocessing.json.
 */

import type { Matrix } from './matrix'

export interface StandardScaler {
  mean: number[]
  scale: number[]
}

export function fitStandardScaler(m: Matrix): StandardScaler {
  const { rows, cols, data } = m
  if (rows === 0) throw new Error('cannot fit a scaler on a matrix with no rows')
  // Accumulate in float64 and in two passes: one-pass sum-of-squares loses precision on columns
  // with a large mean (event counts in the thousands) and a small spread.
  const mean = new Float64Array(cols)
  for (let i = 0; i < rows; i++) {
    const o = i * cols
    for (let j = 0; j < cols; j++) mean[j] += data[o + j]
  }
  for (let j = 0; j < cols; j++) mean[j] /= rows
  const ss = new Float64Array(cols)
  for (let i = 0; i < rows; i++) {
    const o = i * cols
    for (let j = 0; j < cols; j++) {
      const d = data[o + j] - mean[j]
      ss[j] += d * d
    }
  }
  const scale: number[] = []
  for (let j = 0; j < cols; j++) {
    const std = Math.sqrt(ss[j] / rows)
    // sklearn treats near-zero variance (relative to the mean's magnitude) as zero.
    scale.push(std === 0 || std < 10 * Number.EPSILON * Math.max(1, Math.abs(mean[j])) ? 1 : std)
  }
  return { mean: Array.from(mean), scale }
}

export function applyScaler(m: Matrix, scaler: StandardScaler): Matrix {
  const { rows, cols, data } = m
  if (scaler.mean.length !== cols || scaler.scale.length !== cols) {
    throw new Error(`scaler has ${scaler.mean.length} columns, matrix has ${cols}`)
  }
  const out = new Float32Array(rows * cols)
  const mean = Float64Array.from(scaler.mean)
  const scale = Float64Array.from(scaler.scale)
  for (let i = 0; i < rows; i++) {
    const o = i * cols
    for (let j = 0; j < cols; j++) out[o + j] = (data[o + j] - mean[j]) / scale[j]
  }
  return { data: out, rows, cols }
}

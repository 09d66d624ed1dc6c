/**
 * A deep model's training loss as data: what a gradient replica (data-parallel.ts), a thread
 * of its own, needs to rebuild the very loss function the trial's loop uses. A function cannot
 * cross a thread; this description can.
 */
import { bceLoss } from './lstm-classifier'
import { mseLoss } from './lstm-autoencoder'
import { riskAwareLoss, type RiskLossOptions } from './risk-loss'
import type { LossFn } from './train-loop'

export type LossSpec =
  /** Binary cross-entropy, optionally class-weighted (the LSTM classifier). */
  | { kind: 'bce'; classWeight: { w0: number; w1: number } | null }
  /** Mean squared reconstruction error (the LSTM autoencoder). */
  | { kind: 'mse' }
  /** The seed-004 risk-aware multi-horizon loss (the LSTM attention model). */
  | { kind: 'risk'; options: RiskLossOptions }

export function lossFromSpec(spec: LossSpec): LossFn {
  switch (spec.kind) {
    case 'bce':
      return bceLoss(spec.classWeight)
    case 'mse':
      return mseLoss
    case 'risk':
      return riskAwareLoss(spec.options)
    default:
      // A spec from another version of this code, across a thread: say what it is.
      throw new Error(`unknown loss '${(spec as { kind: unknown }).kind}'`)
  }
}

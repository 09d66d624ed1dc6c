/** Specs the tests share; no test runner imported here, so Playwright specs use them too. */

/**
 * A spec for a tiny LSTM classifier (one 8-unit layer over 20-row windows) on 1 % of helios-events
 * with a validation part: a few seconds a run. `params` adds to or overrides the model params.
 */
export function tinyLstmSpec(name: string, params: Record<string, unknown>) {
  return {
    name,
    dataset: { generator: 'helios-events', params: { scale: 0.01, seed: 3 } },
    split: { kind: 'time', trainFraction: 0.7, validationFraction: 0.15 },
    model: { kind: 'lstm-classifier', params: { window: 20, trainStride: 4, units: [8], denseUnits: 4, batchSize: 64, ...params } }
  }
}

/** A small Isolation Forest (30 trees) on two days of helios-detection: a run of it is quick. */
export function smallForestSpec(name: string) {
  return {
    name,
    dataset: { generator: 'helios-detection', params: { days: 2, seed: 3 } },
    split: { kind: 'time', trainFraction: 0.6 },
    model: { kind: 'iforest', params: { nEstimators: 30, seed: 1 } }
  }
}

/** A grid search over `space` of the small forest above. */
export function smallForestGrid(name: string, space: Record<string, unknown[]>) {
  return { ...smallForestSpec(name), search: { kind: 'grid', space } }
}

/**
 * A 12-trial grid of the small forest above (3 sizes x 4 contaminations) as a person would write
 * it, nothing left to defaults written out: what the search builder's tests build field by field
 * and compare the saved file with.
 */
export function forestGrid12ByHand(name: string) {
  return {
    ...smallForestSpec(name),
    model: { kind: 'iforest', params: { seed: 1 } },
    search: { kind: 'grid', space: { nEstimators: [20, 40, 60], contamination: [0.03, 0.04, 0.05, 0.06] } },
    targets: ['precision >= 0.5']
  }
}

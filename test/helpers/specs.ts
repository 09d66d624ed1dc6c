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

/** The F1-maximising threshold of a labelled score set (validation), shared by every model kind. */
/** Threshold maximising F1 on (scores, labels); ties go to the higher threshold (fewer alerts). */
export function bestF1Threshold(scores: Float32Array, labels: Uint8Array): number {
  const n = scores.length
  const order = new Int32Array(n)
  for (let i = 0; i < n; i++) order[i] = i
  order.sort((a, b) => scores[b] - scores[a])
  let positives = 0
  for (let i = 0; i < n; i++) positives += labels[i] ? 1 : 0
  if (positives === 0 || n === 0) return 0.5
  let tp = 0
  let fp = 0
  let bestF1 = -1
  let best = 0.5
  for (let k = 0; k < n; k++) {
    const i = order[k]
    if (labels[i]) tp++
    else fp++
    // Only where the next score differs: tied windows are flagged together.
    if (k < n - 1 && scores[order[k + 1]] === scores[i]) continue
    const f1 = (2 * tp) / (tp + fp + positives)
    if (f1 > bestF1) {
      bestF1 = f1
      best = scores[i]
    }
  }
  return best
}

/** Mean and sample standard deviation of a bench's repeated figures, as "mean ± sd". */
export function meanSdText(xs: number[], digits: number): string {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length
  const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, xs.length - 1))
  return `${mean.toFixed(digits)} ± ${sd.toFixed(digits)}`
}

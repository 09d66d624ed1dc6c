/** Indices of `values` from the largest value down; ties keep index order, NaN goes last. */
export function rankDescending(values: ArrayLike<number>): number[] {
  const key = (i: number) => (Number.isNaN(values[i]) ? -Infinity : values[i])
  return Array.from({ length: values.length }, (_, i) => i).sort((a, b) => key(b) - key(a) || a - b)
}

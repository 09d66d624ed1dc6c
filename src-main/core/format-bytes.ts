/**
 * A byte count as a person reads a limit: whole GiB, MiB or KiB when it is one, else bytes.
 * @example formatBytes(2 * 1024 ** 3) // '2 GiB'
 * @example formatBytes(1024 * 1024) // '1 MiB'
 * @example formatBytes(65536) // '64 KiB'
 */
export function formatBytes(n: number): string {
  const GiB = 1024 ** 3
  if (n % GiB === 0) return `${n / GiB} GiB`
  return n % (1024 * 1024) === 0 ? `${n / (1024 * 1024)} MiB` : n % 1024 === 0 ? `${n / 1024} KiB` : `${n} bytes`
}

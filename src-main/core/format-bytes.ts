/**
 * A byte count as a person reads a limit: whole MiB or KiB when it is one, else bytes.
 * @example formatBytes(1024 * 1024) // '1 MiB'
 * @example formatBytes(65536) // '64 KiB'
 */
export function formatBytes(n: number): string {
  return n % (1024 * 1024) === 0 ? `${n / (1024 * 1024)} MiB` : n % 1024 === 0 ? `${n / 1024} KiB` : `${n} bytes`
}

/**
 * How many threads one trial's compute backend gets: the cores left to it once every trial slot
 * has one, i.e. floor(cores / slots), at least 1.
 *
 * Why the host's slots and not the trials running now: a training worker starts its backend once
 * (the wasm thread pool is fixed when the backend starts) and serves trial after trial while warm,
 * so a count picked when a lone trial started would still hold when the scheduler filled the other
 * slots, and threads would then outnumber cores. Trials in separate processes scale with cores
 * almost perfectly (nothing is shared); wasm threads scale far less (XNNPACK parallelises the
 * matrix products, not the many small element-wise kernels of an LSTM step, and every kernel ends
 * at a barrier), so a core is better spent on another trial than on a second thread. With the
 * default of one slot per core every trial runs single-threaded; a host given fewer slots than
 * cores (`concurrency`) lends the spare cores to its trials as threads.
 * `npm run bench wasm-threads` measures both (threads 1 vs every core, wall and per CPU-second).
 */
import { availableParallelism } from 'node:os'

export function threadsPerTrial(slots: number, cores: number = availableParallelism()): number {
  return Math.max(1, Math.floor(cores / Math.max(1, slots)))
}

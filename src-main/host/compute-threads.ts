/**
 * How many threads one trial gets: the cores left to it once every trial slot has one, i.e.
 * floor(cores / slots), at least 1.
 *
 * What a deep trial does with them (on wasm or cpu): it splits every batch over that many threads
 * (core/models/deep/data-parallel.ts), its own and gradient replicas it starts and ends itself.
 * Measured on 2 cores with the seed-000 classifier (`npm run bench wasm-threads`): 2 threads
 * x1.34-1.50 wall against one, where the wasm backend's own 2 threads gave x0.88-0.99 (they serve
 * only tfjs's XNNPACK kernels; our LSTM kernels run on the calling thread).
 *
 * Why the host's slots and not the trials running now: a count picked when a lone trial started
 * would still hold when the scheduler filled the other slots, and threads would then outnumber
 * cores; a replica that gets half a core holds back every step of its trial. Trials in separate
 * processes scale with cores better than one trial's threads do (nothing is shared or waited for),
 * so with the default of one slot per core every trial runs on one thread; a host given fewer slots
 * than cores (`concurrency`; `workbench run` of a search with fewer trials than cores) lends the
 * spare cores to its trials.
 */
import { availableParallelism } from 'node:os'

export function threadsPerTrial(slots: number, cores: number = availableParallelism()): number {
  return Math.max(1, Math.floor(cores / Math.max(1, slots)))
}

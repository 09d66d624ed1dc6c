import { describe, it, expect } from 'vitest'
import { threadsPerTrial } from '../../src-main/host/compute-threads'

describe('threads per trial', () => {
  it('gives each trial slot an equal share of the cores, never less than one thread', () => {
    // 2 cores: 2 trials at once run one thread each; a host running one trial at a time gives it both.
    expect(threadsPerTrial(2, 2)).toBe(1)
    expect(threadsPerTrial(1, 2)).toBe(2)
    expect(threadsPerTrial(4, 16)).toBe(4)
    // A remainder stays unused rather than oversubscribing: 3 cores, 2 slots.
    expect(threadsPerTrial(2, 3)).toBe(1)
    expect(threadsPerTrial(8, 2)).toBe(1)
    expect(threadsPerTrial(0, 2)).toBe(2)
  })
})

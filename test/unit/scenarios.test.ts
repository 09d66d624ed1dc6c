import { describe, expect, it } from 'vitest'
import { generateScenario, scenarios } from '../../src-main/core/data/scenarios'

describe('scenario registry', () => {
  it('lists helios-detection with its seed and defaults', () => {
    const s = scenarios['helios-detection']
    expect(s.id).toBe('helios-detection')
    expect(s.seed).toBe('002')
    expect(s.defaults).toMatchObject({ days: 7, intervalMinutes: 5 })
  })

  it('generates through the registry with defaults and params', () => {
    expect(generateScenario('helios-detection', {}).timestamps.length).toBe(2016)
    expect(generateScenario('helios-detection', undefined).timestamps.length).toBe(2016)
    expect(generateScenario('helios-detection', { days: 3, seed: 2 }).timestamps.length).toBe(864)
  })

  it('names the bad field', () => {
    expect(() => generateScenario('helios-detection', { days: -1 })).toThrow(/days/)
    expect(() => generateScenario('helios-detection', { days: 'x' })).toThrow(/days/)
    expect(() => generateScenario('helios-detection', { dayz: 3 })).toThrow(/dayz/)
    expect(() => generateScenario('helios-detection', 5)).toThrow(/object/)
  })

  it('rejects unknown scenarios listing the known ones', () => {
    expect(() => generateScenario('nope', {})).toThrow(/unknown scenario 'nope' \(known: helios-detection, helios-events, health-wearable, dwcp-network, business-risk\)/)
    expect(() => generateScenario('toString', {})).toThrow(/unknown scenario/)
  })
})

import { describe, expect, it } from 'vitest'
import { generateScenario, scenarios } from '../../src-main/core/data/scenarios'
import {
  generateHeliosEvents,
  HELIOS_EVENTS_ANOMALY_TYPES,
  HELIOS_EVENTS_COLUMNS,
  HELIOS_EVENTS_DURATIONS
} from '../../src-main/core/data/helios-events'
import {
  generateHealthWearable,
  HEALTH_WEARABLE_ANOMALY_TYPES,
  HEALTH_WEARABLE_COLUMNS,
  HEALTH_WEARABLE_DURATIONS
} from '../../src-main/core/data/health-wearable'
import { DWCP_ANOMALY_TYPES, DWCP_DURATIONS, DWCP_NETWORK_COLUMNS, generateDwcpNetwork } from '../../src-main/core/data/dwcp-network'
import { BUSINESS_RISK_FEATURES, BUSINESS_RISK_TYPES, generateBusinessRisk } from '../../src-main/core/data/business-risk'
import { anomalyRate, anomalyTypeCounts, segmentsOf, type LabelledSeries } from '../../src-main/core/data/series'

interface Run {
  start: number
  end: number
  type: number
}

/** Anomaly episodes reconstructed from the labels: maximal runs of one type. */
function runs(s: LabelledSeries): Run[] {
  const out: Run[] = []
  const t = s.anomalyType
  for (let i = 0; i < t.length; i++) {
    if (t[i] === 0) continue
    const start = i
    while (i + 1 < t.length && t[i + 1] === t[start]) i++
    out.push({ start, end: i + 1, type: t[start] })
  }
  return out
}

function col(s: LabelledSeries, name: string): Float32Array {
  const k = s.columns.indexOf(name)
  if (k < 0) throw new Error(`no column ${name}`)
  return s.values[k]
}

function mean(v: ArrayLike<number>, from: number, to: number): number {
  let sum = 0
  for (let i = from; i < to; i++) sum += v[i]
  return sum / (to - from)
}

function meanWhere(v: ArrayLike<number>, mask: ArrayLike<number>, want: number): number {
  let sum = 0
  let n = 0
  for (let i = 0; i < v.length; i++) {
    if (mask[i] === want) {
      sum += v[i]
      n++
    }
  }
  return sum / n
}

/** Properties every generator must have, checked on a series. */
function expectConsistent(s: LabelledSeries): void {
  const n = s.timestamps.length
  expect(s.values.length).toBe(s.columns.length)
  for (const c of s.values) expect(c.length).toBe(n)
  expect(s.labels.length).toBe(n)
  let badLabel = 0
  for (let i = 0; i < n; i++) if (s.labels[i] !== (s.anomalyType[i] > 0 ? 1 : 0)) badLabel++
  expect(badLabel).toBe(0)
  let badValue = 0
  for (const c of s.values) for (let i = 0; i < n; i++) if (!Number.isFinite(c[i])) badValue++
  expect(badValue).toBe(0)
  let badTime = 0
  for (const seg of segmentsOf(s)) for (let i = seg.start + 1; i < seg.end; i++) if (!(s.timestamps[i] > s.timestamps[i - 1])) badTime++
  expect(badTime).toBe(0)
  for (const v of Object.values(s.targets ?? {})) expect(v.length).toBe(n)
}

function expectDurations(s: LabelledSeries, bounds: ReadonlyArray<readonly [number, number]>): void {
  const bad = runs(s)
    .map((r) => ({ ...r, len: r.end - r.start }))
    .filter((r) => r.len < bounds[r.type - 1][0] || r.len > bounds[r.type - 1][1])
  expect(bad).toEqual([])
}

describe('scenario registry: the seed generators', () => {
  const small: Record<string, Record<string, unknown>> = {
    'helios-events': { hours: 200 },
    'health-wearable': { samples: 5000 },
    'dwcp-network': { days: 2 },
    'business-risk': { businesses: 80, months: 24 }
  }

  it('registers each with its seed number', () => {
    expect(scenarios['helios-events'].seed).toBe('000')
    expect(scenarios['health-wearable'].seed).toBe('001')
    expect(scenarios['dwcp-network'].seed).toBe('003')
    expect(scenarios['business-risk'].seed).toBe('004')
  })

  for (const [id, params] of Object.entries(small)) {
    describe(id, () => {
      it('is deterministic for a seed and differs between seeds', () => {
        const a = generateScenario(id, { ...params, seed: 11 })
        const b = generateScenario(id, { ...params, seed: 11 })
        const c = generateScenario(id, { ...params, seed: 12 })
        expect(a.values).toEqual(b.values)
        expect(a.labels).toEqual(b.labels)
        expect(a.anomalyType).toEqual(b.anomalyType)
        expect(a.timestamps).toEqual(b.timestamps)
        expect(a.targets).toEqual(b.targets)
        expect(a.values[0]).not.toEqual(c.values[0])
        expect(a.labels).not.toEqual(c.labels)
        expectConsistent(a)
      })

      it('scales with `scale`', () => {
        const one = generateScenario(id, params).timestamps.length
        const two = generateScenario(id, { ...params, scale: 2 }).timestamps.length
        expect(two).toBe(one * 2)
      })

      it('rejects unknown or bad params, naming the field', () => {
        expect(() => generateScenario(id, { ...params, bogus: 1 })).toThrow(/bogus/)
        expect(() => generateScenario(id, { ...params, scale: -1 })).toThrow(/scale/)
        expect(() => generateScenario(id, { ...params, seed: 1.5 })).toThrow(/seed/)
      })
    })
  }
})

describe('helios-events (seed 000)', () => {
  // How fast it generates is bench/generate.bench.ts's to say.
  const s = generateHeliosEvents()
  const episodes = runs(s)

  it('generates the full 10,000 h x 8 metrics', () => {
    expect(s.timestamps.length).toBe(600_000)
    expect(s.columns).toEqual(HELIOS_EVENTS_COLUMNS)
    expect(s.columns.length).toBe(8)
    expect(s.intervalMs).toBe(60_000)
    expect(s.timestamps[0]).toBe(Date.parse('2024-01-01T00:00:00Z'))
    expect(s.timestamps[599_999] - s.timestamps[0]).toBe(599_999 * 60_000)
    expectConsistent(s)
  })

  it('has 2-3 % anomalous minutes in all five types', () => {
    const rate = anomalyRate(s)
    expect(rate).toBeGreaterThanOrEqual(0.02)
    expect(rate).toBeLessThanOrEqual(0.03)
    expect(s.anomalyTypeNames).toEqual(HELIOS_EVENTS_ANOMALY_TYPES)
    const counts = anomalyTypeCounts(s)
    for (const name of HELIOS_EVENTS_ANOMALY_TYPES) expect(counts[name]).toBeGreaterThan(1000)
  })

  it('keeps episode durations within the seed bounds', () => {
    expectDurations(s, HELIOS_EVENTS_DURATIONS)
    // At least one hour of normal minutes between episodes.
    for (let k = 1; k < episodes.length; k++) expect(episodes[k].start - episodes[k - 1].end).toBeGreaterThanOrEqual(60)
  })

  it('injects the seed magnitudes', () => {
    const latency = col(s, 'p95_latency_ms')
    const events = col(s, 'events_per_min')
    const rateIn = (name: string, lo: number, hi: number, type: number) => {
      const v = col(s, name)
      let bad = 0
      for (let i = 0; i < v.length; i++) if (s.anomalyType[i] === type && (v[i] < lo - 1e-6 || v[i] > hi + 1e-6)) bad++
      return bad
    }
    expect(rateIn('missing_rate', 0.15, 0.3, 1)).toBe(0)
    expect(rateIn('duplicate_rate', 0.05, 0.15, 3)).toBe(0)
    expect(rateIn('inconsistency_rate', 0.03, 0.1, 4)).toBe(0)
    // Normal rates stay below the anomalous bands.
    const normalMax = (name: string) => {
      const v = col(s, name)
      let m = 0
      for (let i = 0; i < v.length; i++) if (s.labels[i] === 0) m = Math.max(m, v[i])
      return m
    }
    expect(normalMax('missing_rate')).toBeLessThan(0.15)
    expect(normalMax('duplicate_rate')).toBeLessThan(0.05)
    expect(normalMax('inconsistency_rate')).toBeLessThan(0.03)
    // Ratios to the 30 normal minutes before each episode.
    const ratios = (type: number, v: Float32Array) =>
      episodes.filter((e) => e.type === type).map((e) => mean(v, e.start, e.end) / mean(v, e.start - 30, e.start))
    const lat = ratios(2, latency)
    const surge = ratios(5, events)
    const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length
    expect(avg(lat)).toBeGreaterThan(3)
    expect(avg(lat)).toBeLessThan(5)
    expect(Math.min(...lat)).toBeGreaterThan(2.5)
    expect(Math.max(...lat)).toBeLessThan(5.5)
    expect(avg(surge)).toBeGreaterThan(3)
    expect(avg(surge)).toBeLessThan(5)
  })

  it('has daily and weekly traffic patterns', () => {
    const events = col(s, 'events_per_min')
    const byHour = new Float64Array(24)
    const byDow = new Float64Array(7)
    for (let i = 0; i < events.length; i++) {
      if (s.labels[i]) continue
      const d = new Date(s.timestamps[i])
      byHour[d.getUTCHours()] += events[i]
      byDow[d.getUTCDay()] += events[i]
    }
    expect(byHour[16] / byHour[4]).toBeGreaterThan(3)
    expect(byDow[0] / byDow[3]).toBeLessThan(0.85)
  })
})

describe('health-wearable (seed 001)', () => {
  const s = generateHealthWearable()
  const episodes = runs(s)
  const hr = col(s, 'heartRate')
  const steps = col(s, 'steps')
  const distance = col(s, 'distance')

  it('has the seed shape: 25,000 5-s samples, 7 columns', () => {
    expect(s.timestamps.length).toBe(25_000)
    expect(s.columns).toEqual(['heartRate', 'steps', 'calories', 'distance', 'hour_sin', 'hour_cos', 'is_weekend'])
    expect(s.columns).toEqual(HEALTH_WEARABLE_COLUMNS)
    expect(s.intervalMs).toBe(5000)
    expectConsistent(s)
    const weekend = col(s, 'is_weekend')
    expect(new Set(weekend)).toEqual(new Set([0, 1]))
  })

  it('has 3-5 % anomalous samples in all types, durations within bounds', () => {
    const rate = anomalyRate(s)
    expect(rate).toBeGreaterThanOrEqual(0.03)
    expect(rate).toBeLessThanOrEqual(0.05)
    const counts = anomalyTypeCounts(s)
    for (const name of HEALTH_WEARABLE_ANOMALY_TYPES) expect(counts[name]).toBeGreaterThan(0)
    expectDurations(s, HEALTH_WEARABLE_DURATIONS)
  })

  it('has plausible normal physiology', () => {
    let hrLo = Infinity
    let hrHi = -Infinity
    let bad = 0
    for (let i = 0; i < hr.length; i++) {
      if (s.labels[i]) continue
      hrLo = Math.min(hrLo, hr[i])
      hrHi = Math.max(hrHi, hr[i])
      if (!Number.isInteger(steps[i]) || steps[i] < 0) bad++
      if (steps[i] === 0 && distance[i] !== 0) bad++
      if (steps[i] > 0 && (distance[i] / steps[i] < 0.5 || distance[i] / steps[i] > 1.3)) bad++
    }
    expect(bad).toBe(0)
    expect(hrLo).toBeGreaterThan(38 - 1e-6)
    expect(hrHi).toBeLessThan(190)
    // Moving raises heart rate; night (01-05) is lower than the afternoon.
    let moving = 0
    let nMoving = 0
    let still = 0
    let nStill = 0
    for (let i = 0; i < hr.length; i++) {
      if (s.labels[i]) continue
      if (steps[i] >= 8) {
        moving += hr[i]
        nMoving++
      } else if (steps[i] === 0) {
        still += hr[i]
        nStill++
      }
    }
    expect(moving / nMoving - still / nStill).toBeGreaterThan(20)
  })

  it('injects each type as documented', () => {
    for (const e of episodes) {
      const name = HEALTH_WEARABLE_ANOMALY_TYPES[e.type - 1]
      for (let i = e.start; i < e.end; i++) {
        if (name === 'tachycardia_at_rest') {
          expect(hr[i]).toBeGreaterThanOrEqual(120)
          expect(hr[i]).toBeLessThanOrEqual(160)
          expect(steps[i]).toBe(0)
        } else if (name === 'bradycardia') {
          expect(hr[i]).toBeGreaterThanOrEqual(35)
          expect(hr[i]).toBeLessThanOrEqual(45)
        } else if (name === 'sensor_flatline') {
          expect(hr[i]).toBe(hr[e.start])
          expect(steps[i]).toBe(0)
        } else if (name === 'activity_mismatch') {
          expect(steps[i]).toBeGreaterThanOrEqual(8)
          expect(hr[i]).toBeLessThan(90)
        }
      }
      if (name === 'arrhythmia') {
        let jumps = 0
        for (let i = e.start + 1; i < e.end; i++) jumps += Math.abs(hr[i] - hr[i - 1])
        expect(jumps / (e.end - e.start - 1)).toBeGreaterThan(10)
      }
    }
  })
})

describe('dwcp-network (seed 003)', () => {
  const s = generateDwcpNetwork()
  const episodes = runs(s)

  it('has 7 days of 1-min samples in the seed columns', () => {
    expect(s.timestamps.length).toBe(10_080)
    expect(s.columns).toEqual(['bandwidth', 'latency', 'packet_loss', 'jitter', 'cpu_usage', 'memory_usage', 'error_rate'])
    expect(s.columns).toEqual(DWCP_NETWORK_COLUMNS)
    expect(s.intervalMs).toBe(60_000)
    expectConsistent(s)
  })

  it('has normal levels like the seed CSV', () => {
    const m = (name: string) => meanWhere(col(s, name), s.labels, 0)
    expect(m('bandwidth')).toBeGreaterThan(90)
    expect(m('bandwidth')).toBeLessThan(110)
    expect(m('latency')).toBeGreaterThan(8)
    expect(m('latency')).toBeLessThan(12)
    expect(m('packet_loss')).toBeGreaterThan(0.005)
    expect(m('packet_loss')).toBeLessThan(0.02)
    expect(m('jitter')).toBeGreaterThan(0.8)
    expect(m('jitter')).toBeLessThan(1.4)
    expect(m('cpu_usage')).toBeGreaterThan(38)
    expect(m('cpu_usage')).toBeLessThan(52)
    expect(m('memory_usage')).toBeGreaterThan(54)
    expect(m('memory_usage')).toBeLessThan(62)
    expect(m('error_rate')).toBeGreaterThan(0.0005)
    expect(m('error_rate')).toBeLessThan(0.002)
  })

  it('has ~3 % anomalies in all five types, durations within bounds', () => {
    const rate = anomalyRate(s)
    expect(rate).toBeGreaterThanOrEqual(0.02)
    expect(rate).toBeLessThanOrEqual(0.04)
    const counts = anomalyTypeCounts(s)
    for (const name of DWCP_ANOMALY_TYPES) expect(counts[name]).toBeGreaterThan(0)
    expectDurations(s, DWCP_DURATIONS)
  })

  it('injects the documented magnitudes', () => {
    const latency = col(s, 'latency')
    const bandwidth = col(s, 'bandwidth')
    const loss = col(s, 'packet_loss')
    const cpu = col(s, 'cpu_usage')
    const memory = col(s, 'memory_usage')
    const errors = col(s, 'error_rate')
    for (const e of episodes) {
      const name = DWCP_ANOMALY_TYPES[e.type - 1]
      if (name === 'congestion') {
        const r = mean(latency, e.start, e.end) / mean(latency, e.start - 20, e.start)
        expect(r).toBeGreaterThan(2.5)
        expect(mean(bandwidth, e.start, e.end) / mean(bandwidth, e.start - 20, e.start)).toBeLessThan(0.7)
      } else if (name === 'packet_loss_burst') {
        for (let i = e.start; i < e.end; i++) expect(loss[i]).toBeGreaterThanOrEqual(1)
      } else if (name === 'cpu_saturation') {
        for (let i = e.start; i < e.end; i++) expect(cpu[i]).toBeGreaterThanOrEqual(92)
      } else if (name === 'memory_leak') {
        expect(memory[e.end - 1]).toBeGreaterThan(89)
        expect(memory[e.end - 1] - memory[e.start]).toBeGreaterThan(20)
        expect(memory[e.end]).toBeLessThan(70) // restarted
      } else {
        for (let i = e.start; i < e.end; i++) expect(errors[i]).toBeGreaterThanOrEqual(0.5)
      }
    }
  })
})

describe('business-risk (seed 004)', () => {
  const s = generateBusinessRisk()
  const targets = s.targets!

  it('is a panel of 10,000 businesses x 36 months x 20 features', () => {
    expect(s.timestamps.length).toBe(360_000)
    expect(s.columns).toEqual(BUSINESS_RISK_FEATURES)
    expect(s.columns.length).toBe(20)
    expect(s.segments!.length).toBe(10_000)
    expect(s.segments![0]).toEqual({ id: 'B00001', start: 0, end: 36 })
    expect(new Set(s.segments!.map((g) => g.id)).size).toBe(10_000)
    for (let b = 0; b < s.segments!.length; b++) {
      const g = s.segments![b]
      expect(g.end - g.start).toBe(36)
      expect(g.start).toBe(b * 36)
    }
    expectConsistent(s)
  })

  it('steps one calendar month at a time within each business', () => {
    let bad = 0
    for (const g of s.segments!) {
      for (let i = g.start + 1; i < g.end; i++) {
        const a = new Date(s.timestamps[i - 1])
        const b = new Date(s.timestamps[i])
        if (b.getUTCDate() !== 1 || (b.getUTCFullYear() * 12 + b.getUTCMonth()) - (a.getUTCFullYear() * 12 + a.getUTCMonth()) !== 1) bad++
      }
    }
    expect(bad).toBe(0)
  })

  it('has nested horizon targets, labels = 12-month distress, all three types', () => {
    expect(Object.keys(targets)).toEqual(['risk_6m', 'risk_9m', 'risk_12m'])
    let bad = 0
    for (let i = 0; i < s.labels.length; i++) {
      if (targets.risk_6m[i] > targets.risk_9m[i] || targets.risk_9m[i] > targets.risk_12m[i]) bad++
      if (s.labels[i] !== targets.risk_12m[i]) bad++
    }
    expect(bad).toBe(0)
    const counts = anomalyTypeCounts(s)
    expect(Object.keys(counts)).toEqual(BUSINESS_RISK_TYPES)
    for (const name of BUSINESS_RISK_TYPES) expect(counts[name]).toBeGreaterThan(3000)
    // One distress type per business, and about 30 % of businesses default within 12 months.
    let distressed = 0
    for (const g of s.segments!) {
      const types = new Set<number>()
      for (let i = g.start; i < g.end; i++) if (s.anomalyType[i] > 0) types.add(s.anomalyType[i])
      expect(types.size).toBeLessThanOrEqual(1)
      if (targets.risk_12m[g.end - 1]) distressed++
    }
    expect(distressed / 10_000).toBeGreaterThan(0.25)
    expect(distressed / 10_000).toBeLessThan(0.35)
  })

  it('carries noisy signal about distress', () => {
    const diff = (name: string) => {
      const v = col(s, name)
      let sd = 0
      const m0 = meanWhere(v, s.labels, 0)
      let n0 = 0
      for (let i = 0; i < v.length; i++) {
        if (s.labels[i]) continue
        sd += (v[i] - m0) ** 2
        n0++
      }
      return (meanWhere(v, s.labels, 1) - m0) / Math.sqrt(sd / n0)
    }
    // Clear shifts in standard-deviation units, yet far from a clean separation.
    expect(diff('late_payments')).toBeGreaterThan(0.5)
    expect(diff('credit_utilization')).toBeGreaterThan(0.4)
    expect(diff('sentiment')).toBeLessThan(-0.3)
    expect(diff('interest_coverage')).toBeLessThan(-0.2)
    for (const name of ['late_payments', 'credit_utilization', 'sentiment']) expect(Math.abs(diff(name))).toBeLessThan(2)
    // Deterioration grows towards default: 6-month rows are worse than 12-month-only rows.
    const util = col(s, 'credit_utilization')
    let near = 0
    let nNear = 0
    let far = 0
    let nFar = 0
    for (let i = 0; i < util.length; i++) {
      if (targets.risk_6m[i]) {
        near += util[i]
        nNear++
      } else if (targets.risk_12m[i]) {
        far += util[i]
        nFar++
      }
    }
    expect(near / nNear).toBeGreaterThan(far / nFar)
  })
})

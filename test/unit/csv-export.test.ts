/**
 * exportCsv: the written file imports back to the same series (values exactly as Float32,
 * labels, anomaly types, timestamps, segments, targets), and is written atomically.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { exportCsv, float32ToString } from '../../src-main/core/data/csv-export'
import { importFiles } from '../../src-main/core/data/import/index'
import { generateScenario } from '../../src-main/core/data/scenarios'
import type { LabelledSeries } from '../../src-main/core/data/series'

let dir: string
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'wb-export-test-'))
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** Per-row type names, so the comparison does not depend on the order of anomalyTypeNames. */
function typeNames(s: LabelledSeries): string[] {
  return Array.from(s.anomalyType, (k) => (k > 0 ? s.anomalyTypeNames[k - 1] : ''))
}

function expectSameData(a: LabelledSeries, b: LabelledSeries): void {
  expect(b.columns).toEqual(a.columns)
  expect(b.timestamps).toEqual(a.timestamps)
  expect(b.values.length).toBe(a.values.length)
  // Object.is per element: NaN equals NaN, -0 differs from 0.
  a.values.forEach((col, c) => expect(b.values[c]).toEqual(col))
  expect(b.labels).toEqual(a.labels)
  expect(typeNames(b)).toEqual(typeNames(a))
  expect(b.intervalMs).toBe(a.intervalMs)
}

describe('exportCsv', () => {
  it('round-trips a generated helios-detection series exactly', async () => {
    const series = generateScenario('helios-detection', { days: 2 })
    const file = join(dir, 'helios.csv')
    const { rows, bytes } = await exportCsv(series, file)
    expect(rows).toBe(series.timestamps.length)
    expect(bytes).toBe(readFileSync(file).length)
    const header = readFileSync(file, 'utf8').split('\n')[0]
    expect(header).toBe(['timestamp', ...series.columns, 'label', 'anomaly_type'].join(','))
    const back = await importFiles([file], {})
    expectSameData(series, back)
    expect(back.segments).toBeUndefined()
    expect(new Set(back.anomalyTypeNames)).toEqual(new Set(series.anomalyTypeNames.filter((n) => typeNames(series).includes(n))))
  })

  it('round-trips segments (as an entity column), targets, NaN, -0 and extreme values', async () => {
    const n = 6
    const t0 = Date.UTC(2023, 5, 1)
    const series: LabelledSeries = {
      name: 'panel',
      intervalMs: 86_400_000,
      timestamps: Float64Array.from([0, 1, 2, 0, 1, 2], (d) => t0 + d * 86_400_000),
      columns: ['revenue', 'tiny'],
      values: [
        Float32Array.from([1.5, NaN, -0, 3.4028234663852886e38, 0.1, 123456.7]),
        Float32Array.from([1e-7, 1.401298464324817e-45, -2.5e-12, 1 / 3, 7, 16777216])
      ],
      labels: Uint8Array.from([0, 1, 0, 0, 1, 1]),
      anomalyTypeNames: ['default, "hard"', 'late'],
      anomalyType: Uint8Array.from([0, 1, 0, 0, 2, 1]),
      segments: [
        { id: 'acme', start: 0, end: 3 },
        { id: 'globex; inc', start: 3, end: 6 }
      ],
      targets: { risk_6m: Uint8Array.from([0, 1, 1, 0, 0, 1]), risk_12m: Uint8Array.from([1, 1, 1, 0, 1, 1]) }
    }
    const file = join(dir, 'panel.csv')
    await exportCsv(series, file)
    expect(readFileSync(file, 'utf8').split('\n')[0]).toBe('entity,timestamp,revenue,tiny,label,anomaly_type,target:risk_6m,target:risk_12m')
    // 'keep': the NaN cell must come back as NaN, not filled by the import's default rule.
    const back = await importFiles([file], { missing: 'keep' })
    expectSameData(series, back)
    expect(back.segments).toEqual(series.segments)
    expect(back.targets).toEqual(series.targets)
    expect(back.timestamps.length).toBe(n)
  })

  it('writes the shortest Float32 decimal that reads back exactly', () => {
    expect(float32ToString(Math.fround(105.2))).toBe('105.2')
    expect(float32ToString(Math.fround(0.1))).toBe('0.1')
    expect(float32ToString(Math.fround(1e-7))).toBe('1e-7')
    expect(float32ToString(NaN)).toBe('')
    expect(float32ToString(-0)).toBe('-0')
    expect(float32ToString(42)).toBe('42')
    const bits = new Uint32Array(1)
    const f = new Float32Array(bits.buffer)
    let s = 7
    for (let i = 0; i < 20_000; i++) {
      s = (s * 1103515245 + 12345) >>> 0
      bits[0] = s
      const v = f[0]
      if (!Number.isFinite(v)) continue
      expect(Math.fround(Number(float32ToString(v)))).toBe(v)
    }
  })

  it('replaces the destination atomically and leaves no temp file', async () => {
    const file = join(dir, 'atomic.csv')
    writeFileSync(file, 'old content')
    const series = generateScenario('helios-detection', { days: 1 })
    await exportCsv(series, file)
    expect(readFileSync(file, 'utf8').startsWith('timestamp,')).toBe(true)
    expect(readdirSync(dir).filter((f) => f.includes('.tmp'))).toEqual([])
    await expect(exportCsv(series, join(dir, 'no-such-dir', 'x.csv'))).rejects.toThrow()
    expect(readdirSync(dir).filter((f) => f.includes('.tmp'))).toEqual([])
  })

  it('refuses a feature named like a reserved column', async () => {
    const series = generateScenario('helios-detection', { days: 1 })
    const bad = { ...series, columns: ['label', ...series.columns.slice(1)] }
    await expect(exportCsv(bad, join(dir, 'bad.csv'))).rejects.toThrow(/'label' is used twice/)
  })
})

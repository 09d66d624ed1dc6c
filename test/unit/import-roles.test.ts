/**
 * Column roles, multi-file datasets and data without timestamps or labels, at the importer
 * (issue 11): the 6-file `;`-separated benchmark-shaped fixture with an extra label column,
 * segment names from nested folders, the label-like warning, declared intervals, unlabelled
 * data, the preview, and role changes on a stored version.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parquetWriteFile } from 'hyparquet-writer'
import { importDataset, ImportError, type ImportOptions } from '../../src-main/core/data/import/index'
import { parseInterval } from '../../src-main/core/data/import/options'
import { resolveSources, segmentNames } from '../../src-main/core/data/import/sources'
import { labelLikeColumns } from '../../src-main/core/data/import/label-like'
import { previewImport } from '../../src-main/core/data/import/preview'
import { applyRoleChanges } from '../../src-main/core/data/column-roles'
import { contentHash } from '../../src-main/core/data/content-hash'
import { writeSegmentedFixture, SEGMENT_NAMES, type SegmentedFixture } from '../helpers/segmented-fixture'

let dir: string
let fx: SegmentedFixture
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'wb-import-roles-'))
  fx = writeSegmentedFixture(dir)
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

let n = 0
function write(name: string, text: string): string {
  const p = join(dir, 'loose', `${n++}-${name}`)
  mkdirSync(join(dir, 'loose'), { recursive: true })
  writeFileSync(p, text)
  return p
}

async function importError(files: string[], opts: ImportOptions = {}): Promise<ImportError> {
  try {
    await importDataset(files, opts)
  } catch (err) {
    expect(err).toBeInstanceOf(ImportError)
    return err as ImportError
  }
  throw new Error('import was expected to fail')
}

describe('the 6-file benchmark-shaped fixture', () => {
  it('imports a nested folder as ONE dataset with 6 segments named by their path, the folder its name', async () => {
    const { series, report } = await importDataset([fx.root], { extraLabelColumns: ['changepoint'] })
    expect(series.name).toBe('segmented')
    expect(series.segments!.map((g) => g.id)).toEqual([...SEGMENT_NAMES])
    expect(series.segments!.map((g) => g.end - g.start)).toEqual(fx.segments.map((s) => s.rows))
    expect(series.timestamps.length).toBe(fx.totalRows)
    expect(series.intervalMs).toBe(1000)
    expect(report.sources).toEqual(SEGMENT_NAMES.map((s) => `${s}.csv`))
    // `;` detected: every sensor is its own numeric column.
    expect(series.columns).toEqual(fx.features)
    expect(series.labels.reduce((a, b) => a + b, 0)).toBe(fx.totalAnomalous)
  })

  it("keeps `changepoint` out of the features as an extra label when named so, with the rows it marks", async () => {
    const { series, report } = await importDataset([fx.root], { extraLabelColumns: ['changepoint'] })
    expect(series.columns).not.toContain('changepoint')
    expect(Object.keys(series.targets!)).toEqual(['changepoint'])
    for (const [k, seg] of series.segments!.entries()) {
      const marked: number[] = []
      for (let i = seg.start; i < seg.end; i++) if (series.targets!.changepoint[i] === 1) marked.push(i - seg.start)
      expect(marked).toEqual(fx.segments[k].changepoints)
    }
    expect(report.roles.find((r) => r.name === 'changepoint')).toEqual({ name: 'changepoint', role: 'extra-label' })
    expect(report.roles.filter((r) => r.role !== 'feature')).toEqual([
      { name: 'datetime', role: 'timestamp' },
      { name: 'anomaly', role: 'label' },
      { name: 'changepoint', role: 'extra-label' }
    ])
    expect(report.labelLike).toEqual([])
  })

  it('ignores `changepoint` when asked: neither a feature nor stored', async () => {
    const { series, report } = await importDataset([fx.root], { ignoreColumns: ['changepoint'] })
    expect(series.columns).toEqual(fx.features)
    expect(series.targets).toBeUndefined()
    expect(report.roles.find((r) => r.name === 'changepoint')?.role).toBe('ignored')
    expect(report.warnings.join('\n')).not.toMatch(/looks like a label/)
  })

  it('warns, naming the column and both fixes, when `changepoint` is forced in as a feature', async () => {
    const { series, report } = await importDataset([fx.root], {})
    expect(series.columns).toContain('changepoint')
    expect(report.labelLike.map((l) => l.column)).toEqual(['changepoint'])
    const w = report.warnings.find((x) => x.includes("'changepoint'"))!
    expect(w).toMatch(/looks like a label/)
    expect(w).toContain('--extra-label-column changepoint')
    expect(w).toContain('--ignore-column changepoint')
    // The sensors, however they move with the anomalies, are not small-integer valued: no warning.
    expect(report.labelLike.some((l) => fx.features.includes(l.column))).toBe(false)
  })

  it('colliding file names stay distinct segments; ids never mix absolute paths and base names', async () => {
    const files = [fx.segments[0].file, fx.segments[2].file] // a/0.csv and b/0.csv
    const { series } = await importDataset(files, { ignoreColumns: ['changepoint'] })
    expect(series.segments!.map((g) => g.id)).toEqual(['a/0', 'b/0'])
    expect(series.name).toBe('segmented')
    expect(segmentNames(['/d/x.csv', '/d/x.parquet', '/d/y.csv'], '/d')).toEqual(['x.csv', 'x.parquet', 'y'])
  })
})

describe('folders', () => {
  it('lists files in natural order, skipping hidden files, links and other extensions (counted)', async () => {
    const root = join(dir, 'natural')
    mkdirSync(join(root, 'run'), { recursive: true })
    for (const f of ['10.csv', '2.csv', '1.csv']) writeFileSync(join(root, 'run', f), 'ts,x\n1,1\n2,2\n')
    writeFileSync(join(root, 'run', '.hidden.csv'), 'ts,x\n1,1\n')
    writeFileSync(join(root, 'README.md'), '# notes\n')
    symlinkSync(join(root, 'run', '1.csv'), join(root, 'run', 'link.csv'))
    const s = await resolveSources([root])
    expect(s.segments).toEqual(['run/1', 'run/2', 'run/10'])
    expect(s.defaultName).toBe('natural')
    expect(s.skipped.map((f) => f.slice(root.length + 1))).toEqual(['README.md'])
    const { report } = await importDataset([root])
    expect(report.warnings.join('\n')).toMatch(/skipped 1 file that is not CSV, TSV, TXT or Parquet \(README\.md\)/)
  })

  it('refuses a path given twice (a file inside a folder also given)', async () => {
    const e = await importError([fx.root, fx.segments[0].file])
    expect(e.message).toMatch(/named twice/)
  })

  it('refuses files that disagree on having a label or a timestamp column, naming both', async () => {
    const labelled = write('lab.csv', 'ts,x,label\n1,1,0\n2,2,1\n')
    const bare = write('bare.csv', 'ts,x\n1,1\n2,2\n')
    const e = await importError([labelled, bare])
    expect(e.file).toBe(bare)
    expect(e.message).toMatch(/label column: this file has none, .*lab\.csv has 'label'; import labelled and unlabelled files as separate datasets/)
    const timed = write('timed.csv', 'time,x\n1,1\n2,2\n')
    const untimed = write('untimed.csv', 'x\n1\n2\n')
    expect((await importError([timed, untimed])).message).toMatch(/timestamp column: this file has none/)
  })
})

describe('data without timestamps', () => {
  it('parses intervals: units, plain milliseconds, and refuses the rest with what is accepted', () => {
    expect(parseInterval('5m')).toBe(300_000)
    expect(parseInterval('30s')).toBe(30_000)
    expect(parseInterval('1h')).toBe(3_600_000)
    expect(parseInterval('1.5h')).toBe(5_400_000)
    expect(parseInterval('250ms')).toBe(250)
    expect(parseInterval('250')).toBe(250)
    expect(parseInterval('2 min')).toBe(120_000)
    expect(parseInterval('1d')).toBe(86_400_000)
    for (const bad of ['', '5x', '-5m', '0', 'm', '5m5s', 'NaN']) expect(() => parseInterval(bad)).toThrow(/not an interval: .*5m, 30s, 1h, 250ms/)
    expect(() => parseInterval('400d')).toThrow(/longer than a year/)
  })

  it('puts row k of each file at k x the declared interval, and records the step', async () => {
    const a = write('m1.csv', 'cpu,mem\n1,2\n3,4\n5,6\n')
    const b = write('m2.csv', 'cpu,mem\n7,8\n9,10\n')
    const { series, report } = await importDataset([a, b], { intervalMs: 300_000 })
    expect(series.intervalMs).toBe(300_000)
    expect(Array.from(series.timestamps)).toEqual([0, 300_000, 600_000, 0, 300_000])
    expect(report.warnings.join('\n')).toMatch(/no timestamp column; row k of each segment is at k x 300000 ms/)
    // Without an interval the rows are numbered 1 ms apart, and the warning says how to give one.
    const plain = await importDataset([a], {})
    expect(plain.series.intervalMs).toBe(1)
    expect(plain.report.warnings.join('\n')).toMatch(/give the sampling interval \(--interval, e\.g\. 5m\)/)
  })

  it('numbers interleaved entities each on their own', async () => {
    const f = write('panel.csv', 'host,x\nb,1\na,2\nb,3\na,4\nb,5\n')
    const { series } = await importDataset([f], { entityColumn: 'host', intervalMs: 60_000 })
    expect(series.segments!.map((g) => g.id)).toEqual(['b', 'a'])
    expect(Array.from(series.timestamps)).toEqual([0, 60_000, 120_000, 0, 60_000])
  })

  it('refuses an interval for files that have a timestamp column, naming it and the fix', async () => {
    const e = await importError([fx.root], { intervalMs: 1000, ignoreColumns: ['changepoint'] })
    expect(e.column).toBe('datetime')
    expect(e.message).toMatch(/has a timestamp column \('datetime'\).*--ignore-column datetime/)
    // Ignoring the column numbers the rows at the interval instead.
    const { series } = await importDataset([fx.root], { intervalMs: 1000, ignoreColumns: ['changepoint', 'datetime'] })
    expect(series.timestamps[1]).toBe(1000)
    expect(series.intervalMs).toBe(1000)
  })
})

describe('unlabelled data', () => {
  it('is flagged unlabelled, said once, and is not the same version as data labelled all-normal', async () => {
    const unlabelled = writeSegmentedFixture(join(dir, 'u'), { unlabelled: true })
    const u = await importDataset([unlabelled.root], { ignoreColumns: ['changepoint'] })
    expect(u.series.unlabelled).toBe(true)
    expect(u.report.roles.some((r) => r.role === 'label')).toBe(false)
    expect(u.report.warnings.filter((w) => /no label column/.test(w))).toHaveLength(1)
    expect(u.report.warnings.join('\n')).toMatch(/stored as unlabelled/)
    const plain = write('p.csv', 'ts,x\n1,1\n2,2\n')
    const zeros = write('z.csv', 'ts,x,label\n1,1,0\n2,2,0\n')
    const a = await importDataset([plain])
    const b = await importDataset([zeros])
    expect(a.series.unlabelled).toBe(true)
    expect(b.series.unlabelled).toBeUndefined()
    expect(Array.from(a.series.labels)).toEqual(Array.from(b.series.labels))
    expect(contentHash(a.series)).not.toBe(contentHash(b.series))
  })

  it('labelColumn null means no label even when a column is named like one', async () => {
    const f = write('named.csv', 'ts,x,anomaly\n1,1,0\n2,2,1\n')
    const { series, report } = await importDataset([f], { labelColumn: null })
    expect(series.unlabelled).toBe(true)
    expect(series.columns).toEqual(['x', 'anomaly'])
    expect(report.roles.find((r) => r.name === 'anomaly')?.role).toBe('feature')
  })
})

describe('role options', () => {
  it('an ignored column is not read: a text column no longer fails the import', async () => {
    const f = write('text.csv', 'ts,x,comment,label\n1,1,hello,0\n2,2,world,1\n')
    expect((await importError([f])).message).toMatch(/column 'comment': 'hello' is not a number/)
    const { series } = await importDataset([f], { ignoreColumns: ['comment'] })
    expect(series.columns).toEqual(['x'])
  })

  it('ignored and extra label columns are never guessed into another role', async () => {
    const f = write('guess.csv', 'time,x,label,is_anomaly\n0,1,0,1\n1,2,1,0\n')
    const { series, report } = await importDataset([f], { ignoreColumns: ['label'], extraLabelColumns: ['time'] })
    expect(report.roles).toEqual([
      { name: 'time', role: 'extra-label' },
      { name: 'x', role: 'feature' },
      { name: 'label', role: 'ignored' },
      { name: 'is_anomaly', role: 'label' }
    ])
    expect(Array.from(series.labels)).toEqual([1, 0])
  })

  it('refuses a column given two roles and an unknown column, naming the column and the option', async () => {
    const f = write('two.csv', 'ts,x,flag,label\n1,1,0,0\n2,2,1,1\n')
    expect((await importError([f], { ignoreColumns: ['flag'], extraLabelColumns: ['flag'] })).message).toMatch(/column 'flag' cannot be both an extra label and ignored/)
    expect((await importError([f], { labelColumn: 'label', ignoreColumns: ['label'] })).message).toMatch(/column 'label' cannot be both the label column and ignored/)
    const e = await importError([f], { extraLabelColumns: ['nope'] })
    expect(e.column).toBe('nope')
    expect(e.message).toMatch(/unknown column 'nope' \(option extraLabelColumns: an extra label column\); available columns: ts, x, flag, label/)
    expect((await importError([f], { extraLabelColumns: ['x'] })).message).toMatch(/column 'x': '?1\.?\d*'? is not a 0\/1 target|is not a 0\/1 target/)
  })
})

describe('label-like columns', () => {
  const series = (columns: Record<string, number[]>, labels: number[]) => ({
    name: 't',
    columns: Object.keys(columns),
    values: Object.values(columns).map((v) => Float32Array.from(v)),
    labels: Uint8Array.from(labels),
    timestamps: new Float64Array(labels.length)
  })
  // 40 rows, an anomaly on rows 20-29.
  const labels = Array.from({ length: 40 }, (_, i) => (i >= 20 && i < 30 ? 1 : 0))

  it('flags a copy of the label and a column marking where anomalies start and end', () => {
    const copy = labels.slice()
    const edges = labels.map((_, i) => (i === 20 || i === 30 ? 1 : 0))
    const found = labelLikeColumns(series({ copy, edges }, labels))
    expect(found.map((f) => f.column)).toEqual(['copy', 'edges'])
    expect(found[0]).toMatchObject({ values: [0, 1], common: 0, marked: 10, anomalousMarked: 1, anomalousOther: 0 })
    expect(found[1].onEdges).toBe(1)
  })

  it('leaves honest 0/1 and small-integer features alone, and real-valued ones', () => {
    const weekend = Array.from({ length: 40 }, (_, i) => (i % 7 >= 5 ? 1 : 0))
    const hour = Array.from({ length: 40 }, (_, i) => i % 6)
    const real = Array.from({ length: 40 }, (_, i) => Math.sin(i) + (labels[i] ? 5 : 0))
    expect(labelLikeColumns(series({ weekend, hour, real }, labels))).toEqual([])
    // Nothing to compare with: no labelled row.
    expect(labelLikeColumns(series({ copy: labels }, labels.map(() => 0)))).toEqual([])
  })
})

describe('preview', () => {
  it('lists the files with their segment names, the columns with roles, kinds and examples, and the first rows', async () => {
    const p = await previewImport([fx.root])
    expect(p.fileCount).toBe(6)
    expect(p.files.map((f) => f.segment)).toEqual([...SEGMENT_NAMES])
    expect(p.defaultName).toBe('segmented')
    expect(p).toMatchObject({ format: 'csv', delimiter: ';', header: true, problem: null })
    const byName = Object.fromEntries(p.columns.map((c) => [c.name, c]))
    expect(byName.datetime).toMatchObject({ role: 'timestamp', kind: 'date' })
    expect(byName.anomaly).toMatchObject({ role: 'label', kind: 'binary' })
    expect(byName.changepoint).toMatchObject({ role: 'feature', kind: 'binary' })
    expect(byName.current).toMatchObject({ role: 'feature', kind: 'number' })
    expect(p.rows).toHaveLength(8)
    expect(p.rows[0]).toHaveLength(11)
    // The label-like check runs on the sample (the whole first file here).
    expect(p.labelLike.map((l) => l.column)).toEqual(['changepoint'])
  })

  it('applies the options as the import would, and reports an option that cannot apply instead of failing', async () => {
    const p = await previewImport([fx.root], { extraLabelColumns: ['changepoint'], labelColumn: null })
    expect(p.columns.find((c) => c.name === 'changepoint')?.role).toBe('extra-label')
    expect(p.columns.find((c) => c.name === 'anomaly')?.role).toBe('feature')
    const bad = await previewImport([fx.root], { labelColumn: 'nope' })
    expect(bad.problem).toMatch(/unknown column 'nope'/)
    expect(bad.columns.find((c) => c.name === 'anomaly')?.role).toBe('label')
    const text = write('pv.csv', 'ts,x,comment\n1,1,hi\n2,2,there\n')
    expect((await previewImport([text])).warnings.join('\n')).toMatch(/column 'comment' holds text \('hi'\).*--ignore-column comment/)
  })

  it('previews Parquet from its schema and first rows; ignored Parquet columns are not decoded on import', async () => {
    const f = join(dir, 'loose', 'p.parquet')
    mkdirSync(join(dir, 'loose'), { recursive: true })
    const times = [0, 1, 2, 3].map((i) => new Date(Date.UTC(2024, 0, 1) + i * 60_000))
    parquetWriteFile({
      filename: f,
      columnData: [
        { name: 'timestamp', data: times, type: 'TIMESTAMP' },
        { name: 'cpu', data: [1.5, 2.5, 3.5, 9.5], type: 'DOUBLE' },
        { name: 'note', data: ['a', 'b', 'c', 'd'], type: 'STRING' },
        { name: 'label', data: [0, 0, 0, 1], type: 'INT32' }
      ]
    })
    const p = await previewImport([f], { ignoreColumns: ['note'] })
    expect(p).toMatchObject({ format: 'parquet', delimiter: null, fileCount: 1, problem: null })
    expect(p.columns.map((c) => [c.name, c.role, c.kind])).toEqual([
      ['timestamp', 'timestamp', 'date'],
      ['cpu', 'feature', 'number'],
      ['note', 'ignored', 'text'],
      ['label', 'label', 'binary']
    ])
    const { series, report } = await importDataset([f], { ignoreColumns: ['note'] })
    expect(series.columns).toEqual(['cpu'])
    expect(report.roles.find((r) => r.name === 'note')?.role).toBe('ignored')
  })
})

describe('role changes on a stored version', () => {
  it('a feature becomes an extra label; the label becomes an extra label and the child is unlabelled', async () => {
    const { series, report } = await importDataset([fx.root], {})
    const r = applyRoleChanges(series, report.roles, { changepoint: 'extra-label' })
    expect(r.series.columns).toEqual(fx.features)
    expect(Array.from(r.series.targets!.changepoint)).toEqual(Array.from(series.values[series.columns.indexOf('changepoint')]))
    expect(r.roles.find((x) => x.name === 'changepoint')?.role).toBe('extra-label')
    expect(r.note).toBe('roles: changepoint feature → extra-label')
    const u = applyRoleChanges(r.series, r.roles, { anomaly: 'extra-label' })
    expect(u.series.unlabelled).toBe(true)
    expect(u.series.labels.every((x) => x === 0)).toBe(true)
    expect(u.series.targets!.anomaly.reduce((a, b) => a + b, 0)).toBe(fx.totalAnomalous)
    expect(u.note).toMatch(/now unlabelled/)
    // And back: the extra label becomes the label again.
    const back = applyRoleChanges(u.series, u.roles, { anomaly: 'label' })
    expect(back.series.unlabelled).toBeUndefined()
    expect(contentHash(back.series)).toBe(contentHash(r.series))
  })

  it('refuses what needs the files again or is not 0/1, naming the column', async () => {
    const { series, report } = await importDataset([fx.root], { ignoreColumns: ['changepoint'] })
    expect(() => applyRoleChanges(series, report.roles, { datetime: 'feature' })).toThrow(/'datetime' is the timestamp column: .*re-import/)
    expect(() => applyRoleChanges(series, report.roles, { changepoint: 'feature' })).toThrow(/'changepoint' was ignored at import and is not stored/)
    expect(() => applyRoleChanges(series, report.roles, { current: 'label' })).toThrow(/column 'current' cannot be a label: row 0 holds [\d.]+, and labels are 0 or 1/)
    expect(() => applyRoleChanges(series, report.roles, { nope: 'feature' })).toThrow(/no column 'nope'/)
    expect(() => applyRoleChanges(series, report.roles, Object.fromEntries(fx.features.map((f) => [f, 'ignored'])))).toThrow(/no feature column would be left/)
    expect(() => applyRoleChanges(series, report.roles, { current: 'feature' })).toThrow(/no role changes/)
  })

  it('drops the anomaly types when the label moves to another column, and says so', async () => {
    const f = write('typed.csv', 'ts,x,flag,label,anomaly_type\n1,1,1,0,\n2,2,0,1,spike\n3,3,1,0,\n')
    const { series, report } = await importDataset([f])
    const r = applyRoleChanges(series, report.roles, { flag: 'label', label: 'extra-label' })
    expect(Array.from(r.series.labels)).toEqual([1, 0, 1])
    expect(r.series.anomalyTypeNames).toEqual([])
    expect(r.roles.find((x) => x.name === 'anomaly_type')?.role).toBe('ignored')
    expect(r.note).toMatch(/anomaly types dropped \(they named the rows of the old label 'label'\)/)
  })
})

/**
 * `workbench datasets import` with column roles, folders, intervals and unlabelled data, as a
 * user runs it: real processes, exit codes, stdout (one JSON document) vs stderr (warnings).
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { runWorkbench, tempDir } from '../helpers/workspace'
import { writeSegmentedFixture, SEGMENT_NAMES, SENSOR_COLUMNS, type SegmentedFixture } from '../helpers/segmented-fixture'

let tmp: ReturnType<typeof tempDir>
let fx: SegmentedFixture
beforeAll(() => {
  tmp = tempDir('wb-import-roles-cli-')
  fx = writeSegmentedFixture(tmp.dir)
})
afterAll(() => tmp.remove())

const workbench = (...args: string[]) => runWorkbench(join(tmp.dir, 'ws'), args, { cwd: tmp.dir })

describe('datasets import: roles, folders, intervals, unlabelled', () => {
  it('--extra-label-column: a folder of 6 files is one dataset, 6 segments by path, changepoint a label not a feature', () => {
    const r = workbench('datasets', 'import', 'segmented', '--extra-label-column', 'changepoint', '--json')
    expect(r.code).toBe(0)
    const d = JSON.parse(r.stdout)
    expect(d).toMatchObject({ name: 'segmented', segments: 6, features: [...SENSOR_COLUMNS], targets: ['changepoint'], unlabelled: false, rows: fx.totalRows })
    expect(r.stderr).not.toMatch(/looks like a label/)
    const show = JSON.parse(workbench('datasets', 'show', d.id.slice(0, 10), '--json').stdout)
    expect(show.segmentIds).toEqual([...SEGMENT_NAMES])
    expect(show.roles.find((x: { name: string }) => x.name === 'changepoint').role).toBe('extra-label')
  }, 60_000)

  it('forced in as a feature, changepoint draws a warning on stderr naming both fixes; --ignore-column drops it', () => {
    const forced = workbench('datasets', 'import', fx.root, '--json')
    expect(forced.code).toBe(0)
    expect(JSON.parse(forced.stdout).features).toContain('changepoint')
    expect(forced.stderr).toMatch(/workbench: warning: column 'changepoint' looks like a label .*--extra-label-column changepoint.*--ignore-column changepoint/)
    const ignored = workbench('datasets', 'import', fx.root, '--ignore-column', 'changepoint', '--json')
    expect(ignored.code).toBe(0)
    const d = JSON.parse(ignored.stdout)
    expect(d.features).toEqual([...SENSOR_COLUMNS])
    expect(d.targets).toEqual([])
    expect(ignored.stderr).not.toMatch(/looks like a label/)
    const text = workbench('datasets', 'show', d.id.slice(0, 10))
    expect(text.stdout).toMatch(/roles\s+label anomaly · ignored changepoint · timestamp datetime/)
    expect(text.stdout).toMatch(/segments\s+a\/0, a\/1, b\/0, b\/1, c\/0, c\/1/)
  }, 60_000)

  it('--type-column and --label-column name the columns by role', () => {
    const f = join(tmp.dir, 'typed.csv')
    writeFileSync(f, 'ts,x,bad,kind\n1,1,0,\n2,5,1,spike\n3,1,0,\n')
    const r = workbench('datasets', 'import', f, '--label-column', 'bad', '--type-column', 'kind', '--json')
    expect(r.code).toBe(0)
    expect(JSON.parse(r.stdout)).toMatchObject({ features: ['x'], labelCount: 1, typeCounts: { spike: 1 } })
  }, 60_000)

  it('--interval on unlabelled data without timestamps: the step is recorded, and list and show say unlabelled', () => {
    const f = join(tmp.dir, 'server.csv')
    writeFileSync(f, 'cpu,mem\n' + Array.from({ length: 30 }, (_, i) => `${i % 5},${i}`).join('\n') + '\n')
    const r = workbench('datasets', 'import', f, '--interval', '5m', '--json')
    expect(r.code).toBe(0)
    const d = JSON.parse(r.stdout)
    expect(d).toMatchObject({ unlabelled: true, anomalyRate: null, labelCount: null, intervalMs: 300_000, timeAxis: 'interval' })
    expect(r.stderr).toMatch(/no label column; the dataset is stored as unlabelled/)
    const list = workbench('datasets', 'list')
    expect(list.stdout).toMatch(new RegExp(`${d.id.slice(0, 12)}\\s+server\\s+imported\\s+30\\s+2\\s+unlabelled`))
    const show = workbench('datasets', 'show', d.id.slice(0, 10))
    expect(show.stdout).toMatch(/anomalies unlabelled \(no label column at import\)/)
    expect(show.stdout).toMatch(/interval\s+5 min \(declared: no timestamp column\)/)
    expect(show.stdout).not.toMatch(/0\.00%/)
  }, 60_000)

  it('bad option values exit 2 naming the option', () => {
    const bad = (args: string[], message: RegExp) => {
      const r = workbench('datasets', 'import', fx.segments[0].file, ...args)
      expect(r.code, args.join(' ')).toBe(2)
      expect(r.stderr).toMatch(message)
    }
    bad(['--interval', '5x'], /--interval: '5x' is not an interval: give a positive number with a unit, e\.g\. 5m, 30s, 1h, 250ms/)
    bad(['--interval', '0'], /--interval: '0' is not an interval/)
    bad(['--ignore-column', ''], /--ignore-column takes a column name/)
    bad(['--extra-label-column', 'changepoint', '--ignore-column', 'changepoint'], /column 'changepoint' is given to both --extra-label-column and --ignore-column/)
    bad(['--label-column', 'anomaly', '--type-column', 'anomaly'], /column 'anomaly' is given to both --label-column and --type-column/)
    bad(['--extra-label-column', 'nope'], /column 'nope': unknown column 'nope' \(option extraLabelColumns: an extra label column\); available columns: datetime, accel1_rms/)
    bad(['--type-column', 'nope'], /unknown column 'nope' \(option typeColumn/)
    bad(['--ignore-column', 'nope'], /unknown column 'nope' \(option ignoreColumns/)
    bad(['--extra-label-column', 'current'], /column 'current': '[\d.]+' is not a 0\/1 target/)
    bad(['--interval', '1s'], /has a timestamp column \('datetime'\): an interval .* is only for files without one/)
  }, 180_000)
})

/**
 * Dataset import (CSV/TSV/Parquet → LabelledSeries): detection rules, every error case with its
 * file/line/column, several files and entities as segments, progress and cancellation.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join, resolve } from 'node:path'
import { parquetWriteFile } from 'hyparquet-writer'
import { importDataset, importFiles, ImportError, type ImportOptions } from '../../src-main/core/data/import/index'
import { CancelledError } from '../../src-main/core/cancelled'
import { detectDelimiter, detectHeader, parseIsoMs, parseTimestampCell } from '../../src-main/core/data/import/detect'

let dir: string
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'wb-import-test-'))
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

let n = 0
function write(name: string, text: string): string {
  const p = join(dir, `${n++}-${name}`)
  writeFileSync(p, text)
  return p
}

async function importError(files: string[], opts: ImportOptions = {}): Promise<ImportError> {
  try {
    await importFiles(files, opts)
  } catch (err) {
    expect(err).toBeInstanceOf(ImportError)
    return err as ImportError
  }
  throw new Error('import was expected to fail')
}

const T0 = Date.UTC(2024, 0, 1)
const MIN = 60_000

describe('CSV detection', () => {
  it('reads the seed-003 format: header, comma, ISO timestamps with Z, label column', async () => {
    const f = write('a.csv', 'timestamp,bandwidth,latency,label\n2024-01-01T00:00:00Z,105.2,10.5,0\n2024-01-01T00:01:00Z,103.8,11.2,1\n2024-01-01T00:02:00Z,104,11,0\n')
    const s = await importFiles([f], {})
    expect(s.columns).toEqual(['bandwidth', 'latency'])
    expect(Array.from(s.timestamps)).toEqual([T0, T0 + MIN, T0 + 2 * MIN])
    expect(Array.from(s.values[0])).toEqual([105.2, 103.8, 104].map(Math.fround))
    expect(Array.from(s.labels)).toEqual([0, 1, 0])
    expect(s.intervalMs).toBe(MIN)
    expect(s.segments).toBeUndefined()
    expect(s.anomalyTypeNames).toEqual([])
  })

  it('detects ; and tab delimiters, in .csv, .tsv and .txt files', async () => {
    const rows = ['time;a;b', '2024-01-01T00:00:00Z;1.5;2', '2024-01-01T00:01:00Z;3;4']
    const semi = await importFiles([write('semi.csv', rows.join('\n'))], {})
    expect(semi.columns).toEqual(['a', 'b'])
    expect(Array.from(semi.values[0])).toEqual([1.5, 3])
    const tabText = rows.map((r) => r.replaceAll(';', '\t')).join('\n')
    for (const ext of ['tsv', 'txt', 'csv']) {
      const s = await importFiles([write(`tab.${ext}`, tabText)], {})
      expect(s.columns).toEqual(['a', 'b'])
      expect(Array.from(s.values[1])).toEqual([2, 4])
    }
    expect(detectDelimiter('a;b;c\n1,5;2;3\n', undefined)).toBe(';')
    expect(detectDelimiter('a\tb\n1\t2\n', undefined)).toBe('\t')
  })

  it('accepts decimal commas under a ; delimiter', async () => {
    const s = await importFiles([write('dec.csv', 'ts;x\n1704067200;1,5\n1704067260;2,25\n')], {})
    expect(Array.from(s.values[0])).toEqual([1.5, 2.25])
  })

  it('reads quoted fields with embedded delimiters and quotes', async () => {
    const f = write('q.csv', 'timestamp,x,anomaly_type,label\n2024-01-01T00:00:00Z,"1.5","",0\n2024-01-01T00:01:00Z,2,"spike, ""big""",1\n')
    const s = await importFiles([f], {})
    expect(s.columns).toEqual(['x'])
    expect(s.anomalyTypeNames).toEqual(['spike, "big"'])
    expect(Array.from(s.anomalyType)).toEqual([0, 1])
    expect(detectDelimiter('"a;b",c\n"1;2",3\n"4;5",6\n', undefined)).toBe(',')
  })

  it('names columns col_1..n without a header and finds the timestamp column by content', async () => {
    const f = write('nohead.csv', '2024-01-01T00:00:00Z,1,2\n2024-01-01T00:01:00Z,3,4\n')
    const s = await importFiles([f], {})
    expect(s.columns).toEqual(['col_2', 'col_3'])
    expect(Array.from(s.timestamps)).toEqual([T0, T0 + MIN])
    expect(detectHeader([['a', 'b'], ['1', '2']])).toBe(true)
    expect(detectHeader([['1', '2'], ['3', '4']])).toBe(false)
    expect(detectHeader([['x', 'label'], ['1', 'true']])).toBe(true)
  })

  it('parses ISO with and without zone (no zone = UTC), offsets, epoch seconds and ms', async () => {
    expect(parseIsoMs('2024-01-01T00:00:00')).toBe(T0)
    expect(parseIsoMs('2024-01-01 00:00')).toBe(T0)
    expect(parseIsoMs('2024-01-01')).toBe(T0)
    expect(parseIsoMs('2024-01-01T02:00:00+02:00')).toBe(T0)
    expect(parseIsoMs('2024-01-01T00:00:00.123Z')).toBe(T0 + 123)
    expect(parseIsoMs('2024-02-30T00:00:00Z')).toBeNaN()
    expect(parseIsoMs('2024-01-01T25:00:00Z')).toBeNaN()
    expect(parseTimestampCell('1704067200')).toBe(T0)
    expect(parseTimestampCell('1704067200000')).toBe(T0)
    expect(parseTimestampCell('1704067200.5')).toBe(T0 + 500)

    const noZone = await importFiles([write('nz.csv', 'datetime,x\n2024-01-01 00:00:00,1\n2024-01-01 00:01:00,2\n')], {})
    expect(noZone.timestamps[0]).toBe(T0)
    const secs = await importFiles([write('s.csv', 'ts,x\n1704067200,1\n1704067260,2\n')], {})
    expect(Array.from(secs.timestamps)).toEqual([T0, T0 + MIN])
    const ms = await importFiles([write('ms.csv', 'ts,x\n1704067200000,1\n1704067260000,2\n')], {})
    expect(Array.from(ms.timestamps)).toEqual([T0, T0 + MIN])
  })

  it('reads labels 0/1, true/false, yes/no in any case', async () => {
    const f = write('lab.csv', 'ts,x,is_anomaly\n1,0,true\n2,0,FALSE\n3,0,Yes\n4,0,no\n5,0,1\n6,0,0\n7,0,1.0\n')
    const s = await importFiles([f], {})
    expect(Array.from(s.labels)).toEqual([1, 0, 1, 0, 1, 0, 1])
  })

  it('honours explicit column options', async () => {
    const f = write('opts.csv', 'when,a,flag,kind\n1704067200,1,1,x\n1704067260,2,0,\n')
    const s = await importFiles([f], { timestampColumn: 'when', labelColumn: 'flag', typeColumn: 'kind', name: 'custom' })
    expect(s.name).toBe('custom')
    expect(s.columns).toEqual(['a'])
    expect(Array.from(s.labels)).toEqual([1, 0])
    expect(s.anomalyTypeNames).toEqual(['x'])
  })

  it('reads blank, NaN, null, NA and None cells as missing and counts them', async () => {
    const f = write('miss.csv', 'ts,a,b\n1,,1\n2,NaN,2\n3,null,3\n4,4, \n5,NA,None\n6,6,6\n')
    const { series, report } = await importDataset([f], { missing: 'keep' })
    expect(Array.from(series.values[0]).map((v) => Number.isNaN(v))).toEqual([true, true, true, false, true, false])
    expect(Number.isNaN(series.values[1][3])).toBe(true)
    expect(report.missing).toEqual({ a: 4, b: 2 })
    expect(report.filled).toBeNull()
    expect(report.warnings.join()).toMatch(/6 missing cells left as NaN \(a 4, b 2\)/)
  })

  it('numbers rows 0, 1, 2 ms without a timestamp column, and says so', async () => {
    const { series, report } = await importDataset([write('idx.csv', 'a,b\n1,2\n3,4\n5,6\n')], {})
    expect(Array.from(series.timestamps)).toEqual([0, 1, 2])
    expect(series.intervalMs).toBe(1)
    expect(report.warnings.join()).toMatch(/no timestamp column/)
  })

  it('imports the sample files', async () => {
    const samples = resolve(__dirname, '../../resources/samples')
    const a = await importFiles([join(samples, 'dwcp-network-sample.csv')], {})
    expect(a.columns).toEqual(['bandwidth', 'latency', 'packet_loss', 'jitter', 'cpu_usage', 'memory_usage', 'error_rate'])
    expect(a.timestamps.length).toBe(200)
    expect(a.intervalMs).toBe(MIN)
    expect(a.labels.reduce((x, y) => x + y, 0)).toBeGreaterThan(0)
    const b = await importFiles([join(samples, 'dwcp-network-semicolon.csv')], {})
    expect(b.columns).toEqual(a.columns)
    const c = await importFiles([join(samples, 'dwcp-network-epoch-seconds.csv')], {})
    expect(c.timestamps[0]).toBe(T0)
  })
})

describe('segments', () => {
  it('groups rows by entity, stably, in order of first appearance', async () => {
    const f = write('ent.csv', 'host,ts,x\nb,1,10\na,1,20\nb,2,11\na,2,21\nb,3,12\n')
    const s = await importFiles([f], { entityColumn: 'host' })
    expect(s.segments).toEqual([
      { id: 'b', start: 0, end: 3 },
      { id: 'a', start: 3, end: 5 }
    ])
    expect(Array.from(s.values[0])).toEqual([10, 11, 12, 20, 21])
    expect(Array.from(s.timestamps)).toEqual([1000, 2000, 3000, 1000, 2000])
    expect(s.columns).toEqual(['x'])
  })

  it('makes one segment per file and merges anomaly type names', async () => {
    const a = write('day1.csv', 'ts,x,label,anomaly_type\n1,1,0,\n2,2,1,spike\n')
    const b = write('day2.csv', 'ts,x,label,anomaly_type\n1,3,1,drop\n2,4,1,spike\n3,5,0,\n')
    const s = await importFiles([a, b], {})
    expect(s.segments!.map((g) => [g.start, g.end])).toEqual([[0, 2], [2, 5]])
    // Named by the file's path relative to the common folder, without its extension.
    expect(s.segments!.map((g) => g.id)).toEqual([basename(a, '.csv'), basename(b, '.csv')])
    expect(s.anomalyTypeNames).toEqual(['spike', 'drop'])
    expect(Array.from(s.anomalyType)).toEqual([0, 1, 2, 1, 0])
    expect(s.intervalMs).toBe(1000)
  })

  it('requires the same feature columns in every file', async () => {
    const a = write('f1.csv', 'ts,x,y\n1,1,2\n')
    const b = write('f2.csv', 'ts,x,z\n1,1,2\n')
    const e = await importError([a, b])
    expect(e.file).toBe(b)
    expect(e.message).toContain(b)
    expect(e.message).toMatch(/missing y; extra z/)
    const c = write('f3.csv', 'ts,y,x\n1,1,2\n')
    expect((await importError([a, c])).message).toMatch(/different order/)
  })
})

describe('CSV errors', () => {
  it('empty file and header only', async () => {
    const empty = write('empty.csv', '')
    expect((await importError([empty])).message).toBe(`${empty}: empty file`)
    const blank = write('blank.csv', '\n\n')
    expect((await importError([blank])).message).toMatch(/empty file/)
    const head = write('head.csv', 'timestamp,a,b\n')
    expect((await importError([head])).message).toBe(`${head}: header only, no data rows`)
  })

  it('ragged row names the line and both field counts', async () => {
    const f = write('ragged.csv', 'ts,a,b\n1,1,2\n2,3\n')
    const e = await importError([f])
    expect(e.line).toBe(3)
    expect(e.message).toBe(`${f}:3: 2 fields, but the header has 3`)
  })

  it('non-numeric cell names file, line and column (blank lines counted)', async () => {
    const f = write('text.csv', 'ts,a,b\n1,1,2\n\n2,3,oops\n')
    const e = await importError([f])
    expect(e.message).toBe(`${f}:4: column 'b': 'oops' is not a number`)
    expect([e.file, e.line, e.column]).toEqual([f, 4, 'b'])
  })

  it('bad label value', async () => {
    const f = write('badlabel.csv', 'ts,a,label\n1,1,0\n2,1,maybe\n')
    expect((await importError([f])).message).toBe(`${f}:3: column 'label': 'maybe' is not a label (use 0/1, true/false or yes/no)`)
  })

  it('bad timestamp', async () => {
    const f = write('badts.csv', 'timestamp,a\n2024-01-01T00:00:00Z,1\nyesterday,2\n')
    expect((await importError([f])).message).toMatch(new RegExp(`^${escape(f)}:3: column 'timestamp': 'yesterday' is not a timestamp`))
  })

  it('unknown column in options lists the available ones', async () => {
    const f = write('unknown.csv', 'ts,a,b\n1,1,2\n')
    const e = await importError([f], { labelColumn: 'is_bad' })
    expect(e.message).toBe(`${f}: column 'is_bad': unknown column 'is_bad' (option labelColumn: the label column); available columns: ts, a, b`)
  })

  it('duplicate timestamps name both lines', async () => {
    const f = write('dup.csv', 'timestamp,a\n2024-01-01T00:00:00Z,1\n2024-01-01T00:01:00Z,2\n2024-01-01T00:01:00Z,3\n')
    const e = await importError([f])
    expect(e.message).toBe(`${f}:4: column 'timestamp': duplicate timestamp 2024-01-01T00:01:00.000Z (also on line 3)`)
  })

  it('timestamps going backwards, also within an entity', async () => {
    const f = write('back.csv', 'ts,a\n10,1\n20,2\n15,3\n')
    expect((await importError([f])).message).toBe(`${f}:4: column 'ts': timestamp 1970-01-01T00:00:15.000Z goes backwards (line 3 has 1970-01-01T00:00:20.000Z)`)
    const g = write('back-ent.csv', 'host,ts,a\na,10,1\nb,5,1\na,20,2\nb,4,3\n')
    const e = await importError([g], { entityColumn: 'host' })
    expect(e.message).toMatch(new RegExp(`^${escape(g)}:5: column 'ts': timestamp .* goes backwards for entity 'b' \\(line 3 has`))
  })

  it('malformed quoting is reported with its line', async () => {
    const f = write('quote.csv', 'ts,a\n1,1\n2,"unclosed\n')
    const e = await importError([f])
    expect(e.message).toMatch(/malformed CSV/)
    expect(e.file).toBe(f)
    expect(e.line).toBeGreaterThan(0)
  })

  it('unknown extension and missing file', async () => {
    const e = await importError([join(dir, 'data.xlsx')])
    expect(e.message).toMatch(/data\.xlsx: unknown file type '\.xlsx'/)
    expect((await importError([join(dir, 'nope.csv')])).message).toMatch(/nope\.csv: cannot read/)
  })

  it('leaves nothing behind and returns nothing on failure', async () => {
    const before = readdirSync(dir).length
    const good = write('ok.csv', 'ts,a\n1,1\n')
    const bad = write('bad.csv', 'ts,a\n1,x\n')
    await importError([good, bad])
    expect(readdirSync(dir).length).toBe(before + 2)
  })
})

describe('progress and cancellation', () => {
  const rows = 120_000
  let big: string
  beforeAll(() => {
    const lines = ['ts,a,b']
    for (let i = 0; i < rows; i++) lines.push(`${i + 1},${i % 7},${(i % 13) / 4}`)
    big = write('big.csv', lines.join('\n') + '\n')
  })

  it('reports progress every 50,000 rows and at the end', async () => {
    const seen: number[] = []
    let last = { bytesRead: 0, bytesTotal: 0 }
    const s = await importFiles([big], {}, (p) => {
      seen.push(p.rows)
      last = p
    })
    expect(s.timestamps.length).toBe(rows)
    expect(seen).toEqual([50_000, 100_000, rows])
    expect(last.bytesRead).toBe(last.bytesTotal)
  })

  it('stops when asked, with a CancelledError naming the file', async () => {
    let asked = 0
    const e = await importFiles([big], {}, undefined, () => ++asked > 1).catch((err: unknown) => err)
    expect(e).toBeInstanceOf(CancelledError)
    expect((e as Error).message).toContain(big)
  })
})

describe('Parquet', () => {
  it('imports TIMESTAMP, float, int, boolean label and string type columns', async () => {
    const f = join(dir, 'fixture.parquet')
    const times = [0, 1, 2, 3].map((i) => new Date(T0 + i * MIN))
    parquetWriteFile({
      filename: f,
      columnData: [
        { name: 'timestamp', data: times, type: 'TIMESTAMP' },
        { name: 'bandwidth', data: [105.2, 103.8, 104, 99.5], type: 'DOUBLE' },
        { name: 'latency', data: new Float32Array([10.5, 11.25, 12, 40]), type: 'FLOAT' },
        { name: 'count', data: [1, 2, null, 4], type: 'INT32' },
        { name: 'label', data: [false, false, false, true], type: 'BOOLEAN' },
        { name: 'anomaly_type', data: [null, null, null, 'latency_spike'], type: 'STRING' }
      ]
    })
    const { series: s, report } = await importDataset([f], {})
    expect(s.columns).toEqual(['bandwidth', 'latency', 'count'])
    expect(Array.from(s.timestamps)).toEqual(times.map((t) => t.getTime()))
    expect(Array.from(s.values[0])).toEqual([105.2, 103.8, 104, 99.5].map(Math.fround))
    expect(Array.from(s.values[1])).toEqual([10.5, 11.25, 12, 40])
    // The null INT32 cell is missing, filled from the row before it (the default rule).
    expect(Array.from(s.values[2])).toEqual([1, 2, 2, 4])
    expect(report.missing.count).toBe(1)
    expect(report.filled).toEqual({ rule: 'forward-fill', cells: 1, byColumn: { count: 1 } })
    expect(Array.from(s.labels)).toEqual([0, 0, 0, 1])
    expect(s.anomalyTypeNames).toEqual(['latency_spike'])
    expect(Array.from(s.anomalyType)).toEqual([0, 0, 0, 1])
    expect(s.intervalMs).toBe(MIN)
  })

  it('reads INT64 epoch ms and ISO string timestamps, and entity columns', async () => {
    const a = join(dir, 'int64.parquet')
    parquetWriteFile({
      filename: a,
      columnData: [
        { name: 'ts', data: [BigInt(T0), BigInt(T0 + MIN)], type: 'INT64' },
        { name: 'x', data: [1, 2], type: 'DOUBLE' }
      ]
    })
    expect(Array.from((await importFiles([a], {})).timestamps)).toEqual([T0, T0 + MIN])
    const b = join(dir, 'iso.parquet')
    parquetWriteFile({
      filename: b,
      columnData: [
        { name: 'site', data: ['s1', 's2', 's1'], type: 'STRING' },
        { name: 'when', data: ['2024-01-01T00:00:00Z', '2024-01-01T00:00:00Z', '2024-01-01T00:01:00'], type: 'STRING' },
        { name: 'x', data: [1, 2, 3], type: 'DOUBLE' }
      ]
    })
    const s = await importFiles([b], { entityColumn: 'site' })
    expect(s.segments).toEqual([
      { id: 's1', start: 0, end: 2 },
      { id: 's2', start: 2, end: 3 }
    ])
    expect(Array.from(s.values[0])).toEqual([1, 3, 2])
    expect(Array.from(s.timestamps)).toEqual([T0, T0 + MIN, T0])
  })

  it('names file, row and column for a bad cell, and the file for a broken file', async () => {
    const f = join(dir, 'badlabel.parquet')
    parquetWriteFile({
      filename: f,
      columnData: [
        { name: 'ts', data: [1, 2, 3], type: 'INT32' },
        { name: 'label', data: [0, 1, 7], type: 'INT32' }
      ]
    })
    expect((await importError([f])).message).toBe(`${f}: row 3: column 'label': 7 is not a label (use 0/1, true/false or yes/no)`)
    const g = join(dir, 'dup.parquet')
    parquetWriteFile({ filename: g, columnData: [{ name: 'ts', data: [1, 2, 2], type: 'INT32' }, { name: 'x', data: [1, 2, 3], type: 'INT32' }] })
    expect((await importError([g])).message).toBe(`${g}: row 3: column 'ts': duplicate timestamp 1970-01-01T00:00:02.000Z (also on row 2)`)
    const broken = write('broken.parquet', 'this is not parquet at all, just text')
    const e = await importError([broken])
    expect(e.file).toBe(broken)
    expect(e.message).toMatch(new RegExp(`^${escape(broken)}: not a readable Parquet file`))
  })
})

describe('non-finite values and missing cells', () => {
  it('refuses Infinity and -Infinity with file, line and column', async () => {
    const f = write('inf.csv', 'ts,a,b\n1,1,2\n2,Infinity,3\n')
    const e = await importError([f])
    expect([e.file, e.line, e.column]).toEqual([f, 3, 'a'])
    expect(e.message).toBe(`${f}:3: column 'a': 'Infinity' is not a finite number (a missing value is a blank cell)`)
    const g = write('neginf.csv', 'ts,a,b\n1,1,2\n2,3,-inf\n')
    expect((await importError([g])).message).toMatch(/:3: column 'b': '-inf' is not a number/)
    const h = write('neginf2.csv', 'ts,a,b\n1,1,2\n2,3,-Infinity\n')
    expect((await importError([h])).message).toBe(`${h}:3: column 'b': '-Infinity' is not a finite number (a missing value is a blank cell)`)
  })

  it('refuses 1e309 (Infinity as a double) and 1e39 (Infinity as a stored 32-bit float)', async () => {
    const f = write('e309.csv', 'ts,a\n1,1\n2,2\n3,1e309\n')
    expect((await importError([f])).message).toBe(`${f}:4: column 'a': '1e309' is out of range: datasets store 32-bit floats, at most ±3.4e38`)
    const g = write('e39.csv', 'ts,a\n1,-1e39\n')
    expect((await importError([g])).message).toBe(`${g}:2: column 'a': '-1e39' is out of range: datasets store 32-bit floats, at most ±3.4e38`)
    // The largest 32-bit float itself is fine.
    const s = await importFiles([write('f32max.csv', 'ts,a\n1,3.4028234e38\n')])
    expect(s.values[0][0]).toBe(Math.fround(3.4028234e38))
  })

  it('refuses a 2-million-digit number: CSV by the record-size cap, Parquet as out of range', async () => {
    const digits = '9'.repeat(2_000_000)
    const f = write('digits.csv', `ts,a\n1,1\n2,${digits}\n`)
    const e = await importError([f])
    expect(e.line).toBe(3)
    expect(e.message).toBe(`${f}:3: the line is 2,000,002 bytes long, over the 1 MiB limit for one record: a file without line breaks, or not a CSV file`)
    const p = join(dir, 'digits.parquet')
    parquetWriteFile({ filename: p, columnData: [{ name: 'ts', data: [1, 2], type: 'INT32' }, { name: 'a', data: ['1', digits], type: 'STRING' }] })
    const pe = await importError([p])
    expect(pe.message).toBe(`${p}: row 2: column 'a': '${'9'.repeat(32)}'… (2,000,000 characters) is out of range: datasets store 32-bit floats, at most ±3.4e38`)
  })

  it('refuses NaN-free but infinite Parquet float cells and counts NaN ones as missing', async () => {
    const p = join(dir, 'floats.parquet')
    parquetWriteFile({ filename: p, columnData: [{ name: 'ts', data: [1, 2, 3], type: 'INT32' }, { name: 'a', data: [1, NaN, 3], type: 'DOUBLE' }] })
    const { series, report } = await importDataset([p])
    expect(report.missing).toEqual({ a: 1 })
    expect(Array.from(series.values[0])).toEqual([1, 1, 3])
    const q = join(dir, 'inf.parquet')
    parquetWriteFile({ filename: q, columnData: [{ name: 'ts', data: [1, 2, 3], type: 'INT32' }, { name: 'a', data: [1, 2, -Infinity], type: 'DOUBLE' }] })
    expect((await importError([q])).message).toBe(`${q}: row 3: column 'a': '-Infinity' is not a finite number (a missing value is a blank cell)`)
  })

  it('fills missing cells by forward-fill by default, within each segment, and reports how many', async () => {
    // Entity b starts with a missing cell: it takes b's first value, never a's last one.
    const f = write('ffill.csv', 'host,ts,x,y\na,1,1,10\nb,1,,20\na,2,,11\nb,2,5,NaN\na,3,3,12\nb,3,6,22\n')
    const { series, report } = await importDataset([f], { entityColumn: 'host' })
    expect(series.segments!.map((g) => g.id)).toEqual(['a', 'b'])
    expect(Array.from(series.values[0])).toEqual([1, 1, 3, 5, 5, 6])
    expect(Array.from(series.values[1])).toEqual([10, 11, 12, 20, 20, 22])
    expect(report.filled).toEqual({ rule: 'forward-fill', cells: 3, byColumn: { x: 2, y: 1 } })
    expect(report.warnings).toContain('3 missing cells filled by forward-fill (x 2, y 1)')
  })

  it('interpolates linearly in time when asked; the ends take the nearest value', async () => {
    const f = write('interp.csv', 'ts,x\n0,\n10,0\n20,\n40,\n50,10\n60,\n')
    const { series, report } = await importDataset([f], { missing: 'interpolate' })
    // 20 s and 40 s lie a quarter and three quarters of the way from 10 s (0) to 50 s (10).
    expect(Array.from(series.values[0])).toEqual([0, 0, 2.5, 7.5, 10, 10])
    expect(report.filled).toMatchObject({ rule: 'interpolate', cells: 4 })
  })

  it("refuses the first missing cell with file, line and column under 'refuse'", async () => {
    const f = write('refuse.csv', 'ts,a,b\n1,1,1\n2,2,\n3,,3\n')
    const e = await importError([f], { missing: 'refuse' })
    expect([e.line, e.column]).toEqual([3, 'b'])
    expect(e.message).toMatch(/refuse.csv:3: column 'b': missing value, and the missing-value rule is 'refuse'/)
  })

  it('refuses a column with no value in any row, and one a segment cannot be filled in', async () => {
    const f = write('allnan.csv', 'ts,a,b\n1,1,\n2,2,NaN\n3,3,NA\n')
    const e = await importError([f])
    expect(e.message).toBe(`${f}: column 'b': no value in any of its 3 rows (every cell is blank, NaN, NA or null): drop the column or fill it`)
    const g = write('entnan.csv', 'host,ts,a\nx,1,1\ny,1,\nx,2,2\ny,2,\n')
    expect((await importError([g], { entityColumn: 'host' })).message).toMatch(/column 'a': no value in segment 'y' \(rows 2-3\)/)
  })
})

describe('hostile input', () => {
  it('a 10 MB line is refused with its line and length, not split into fields', async () => {
    const f = write('longline.csv', 'ts,a\n1,' + 'x'.repeat(10_000_000) + '\n')
    const e = await importError([f])
    expect(e.message).toBe(`${f}:2: the line is 10,000,002 bytes long, over the 1 MiB limit for one record: a file without line breaks, or not a CSV file`)
    const g = write('oneline.csv', '1,'.repeat(3_000_000))
    expect((await importError([g])).message).toMatch(/oneline.csv:1: the line is 6,000,000 bytes long/)
  })

  it('a folder (even one named like a CSV file) is read for its files; an empty one is refused with its name', async () => {
    const d = join(dir, 'folder.csv')
    mkdirSync(d)
    expect((await importError([d])).message).toBe(`${d}: no CSV, TSV, TXT or Parquet file in this folder`)
  })

  it('control characters, bidi overrides and long cells are escaped and cut in messages', async () => {
    const f = write('ctrl.csv', 'ts,a\n1,1\n2,ab\x1b[31mred\x07\u202e\n')
    const e = await importError([f])
    expect(e.message).toBe(`${f}:3: column 'a': 'ab\\x1b[31mred\\x07\\u202e' is not a number`)
    expect(e.message).not.toMatch(/[\u0000-\u001f\u202e]/)
    const g = write('ctrlhead.csv', 'ts,\x1b]0;pwned\x07\n1,zz\n')
    expect((await importError([g])).message).toMatch(/column '\\x1b]0;pwned\\x07': 'zz' is not a number/)
    const h = write('longcell.csv', 'ts,a\n1,' + 'y'.repeat(5000) + '\n')
    expect((await importError([h])).message).toBe(`${h}:2: column 'a': '${'y'.repeat(32)}'… (5,000 characters) is not a number`)
  })

  it('binary content (a NUL byte) is refused before parsing', async () => {
    const f = join(dir, 'image.csv')
    writeFileSync(f, Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d]))
    expect((await importError([f])).message).toBe(`${f}: not a text file: a NUL byte at byte 8 (binary data, or UTF-16 text: save it as UTF-8)`)
  })
})

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

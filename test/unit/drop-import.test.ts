/**
 * Dropped files, at the parts below the UI: the preview detects what the import then does
 * (separator, timestamp, label: one detection for both), upload names are checked before a byte
 * is written, and the staging folder keeps a set all-or-nothing and lets it go after its import.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, sep } from 'node:path'
import { Readable } from 'node:stream'
import { previewImport } from '../../src-main/core/data/import/preview'
import { importDataset } from '../../src-main/core/data/import/index'
import { UploadStaging, UploadTooLarge, uploadNameParts } from '../../src-main/host/upload-staging'
import { isImportable } from '../../src-renderer/src/lib/paths'

let dir: string
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'wb-drop-'))
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function table(sep: string, header: boolean): string {
  const rows = Array.from({ length: 30 }, (_, i) => [`2024-05-0${1 + Math.floor(i / 24)}T${String(i % 24).padStart(2, '0')}:00:00Z`, (i * 0.5).toFixed(1), String(100 + i), i % 10 === 9 ? '1' : '0'].join(sep))
  return [...(header ? [['timestamp', 'flow', 'level', 'is_anomaly'].join(sep)] : []), ...rows].join('\n') + '\n'
}

describe('preview and import detect the same', () => {
  for (const [label, sep] of [
    ['comma', ','],
    ['semicolon', ';'],
    ['tab', '\t']
  ] as const) {
    it(`a ${label}-separated file: the preview's separator, timestamp and label are the import's`, async () => {
      const file = join(dir, `${label}.csv`)
      writeFileSync(file, table(sep, true))
      const preview = await previewImport([file])
      expect(preview).toMatchObject({ delimiter: sep, header: true, problem: null })
      const { report, series } = await importDataset([file])
      expect(preview.columns.map((c) => ({ name: c.name, role: c.role }))).toEqual(report.roles)
      expect(report.roles.filter((r) => r.role !== 'feature')).toEqual([
        { name: 'timestamp', role: 'timestamp' },
        { name: 'is_anomaly', role: 'label' }
      ])
      expect(preview.rows[0]).toEqual(table(sep, false).split('\n')[0].split(sep))
      expect(series.timestamps[0]).toBe(Date.parse('2024-05-01T00:00:00Z'))
    })
  }

  it('a file without a header: both see no header and no label', async () => {
    const file = join(dir, 'headerless.csv')
    writeFileSync(file, Array.from({ length: 20 }, (_, i) => `${i * 0.1},${i * 2}`).join('\n') + '\n')
    const preview = await previewImport([file])
    expect(preview).toMatchObject({ delimiter: ',', header: false })
    const { report } = await importDataset([file])
    expect(preview.columns.map((c) => ({ name: c.name, role: c.role }))).toEqual(report.roles)
    expect(report.roles.some((r) => r.role === 'label')).toBe(false)
  })
})

describe('upload names', () => {
  it('splits a path inside a dropped folder into its parts', () => {
    expect(uploadNameParts('skab/valve1/0.csv')).toEqual(['skab', 'valve1', '0.csv'])
    expect(uploadNameParts('Données 2024.PARQUET')).toEqual(['Données 2024.PARQUET'])
  })

  for (const [name, why] of [
    ['../x.csv', /hidden or relative/],
    ['a/./x.csv', /hidden or relative/],
    ['/abs.csv', /empty part/],
    ['a\\..\\x.csv', /control byte or one of/],
    ['c:x.csv', /control byte or one of/],
    ['x\u0007.csv', /control byte or one of/],
    ['x.exe', /not a CSV, TSV, TXT or Parquet file \(\.exe\)/],
    ['folder/', /empty part/],
    [`${'a/'.repeat(40)}x.csv`, /more than 32 folders deep/],
    [`${'é'.repeat(200)}.csv`, /longer than 255 bytes/]
  ] as const) {
    it(`refuses ${JSON.stringify(name.slice(0, 40))}, saying why`, () => {
      expect(() => uploadNameParts(name)).toThrow(why)
    })
  }
})

describe('upload staging', () => {
  let staging: UploadStaging
  beforeAll(() => {
    staging = new UploadStaging(join(dir, 'ws'))
  })

  it('writes a set file by file under the names given, and names what to import', async () => {
    const a = await staging.receive(null, 'run/a.csv', Readable.from([Buffer.from('t,v\n'), Buffer.from('1,2\n')]), 1024)
    const b = await staging.receive(a.set, 'run/sub/b.csv', Readable.from([Buffer.from('t,v\n3,4\n')]), 1024)
    expect(readFileSync(a.path, 'utf8')).toBe('t,v\n1,2\n')
    expect(a).toMatchObject({ bytes: 8, entry: join(staging.root, a.set, 'run') })
    expect(b.entry).toBe(a.entry)
    expect(readdirSync(join(staging.root, a.set), { recursive: true }).sort()).toEqual(['run', 'run/a.csv', 'run/sub', 'run/sub/b.csv'].map((p) => p.replaceAll('/', sep)))
    expect(staging.setsOf([b.path, join(dir, 'elsewhere.csv')])).toEqual([a.set])
    await staging.discard(a.set)
  })

  it('refuses a name taken in the set, keeping nothing of the set', async () => {
    const a = await staging.receive(null, 'x.csv', Readable.from([Buffer.from('t\n1\n')]), 1024)
    await expect(staging.receive(a.set, 'x.csv', Readable.from([Buffer.from('t\n2\n')]), 1024)).rejects.toThrow(/uploaded twice/)
    expect(existsSync(join(staging.root, a.set))).toBe(false)
  })

  it('stops a set at the cap, counting all its files, and removes it', async () => {
    const a = await staging.receive(null, 'one.csv', Readable.from([Buffer.alloc(600, 0x31)]), 1000)
    await expect(staging.receive(a.set, 'two.csv', Readable.from([Buffer.alloc(300, 0x31), Buffer.alloc(300, 0x31)]), 1000)).rejects.toBeInstanceOf(UploadTooLarge)
    expect(existsSync(join(staging.root, a.set))).toBe(false)
    await expect(staging.receive(a.set, 'three.csv', Readable.from([Buffer.from('t\n')]), 1000)).rejects.toThrow(/is not open/)
  })

  it('lets a set go once its import ended, stored or failed', async () => {
    const ok = await staging.receive(null, 'ok.csv', Readable.from([Buffer.from('t\n1\n')]), 1024)
    const bad = await staging.receive(null, 'bad.csv', Readable.from([Buffer.from('t\n1\n')]), 1024)
    let end!: () => void
    let fail!: (e: Error) => void
    staging.releaseAfter([ok.path], new Promise<void>((r) => (end = r)))
    staging.releaseAfter([bad.entry], new Promise<void>((_, f) => (fail = f)))
    expect(existsSync(ok.path) && existsSync(bad.path)).toBe(true)
    end()
    fail(new Error('worker died'))
    await expect.poll(() => existsSync(join(staging.root, ok.set)) || existsSync(join(staging.root, bad.set))).toBe(false)
  })

  it('sweeps sets a stopped process left, older than a day, and keeps newer ones', async () => {
    const old = join(staging.root, 'aaaaaaaaaaaaaaaa')
    const fresh = join(staging.root, 'bbbbbbbbbbbbbbbb')
    mkdirSync(old, { recursive: true })
    mkdirSync(fresh, { recursive: true })
    const twoDaysAgo = (Date.now() - 2 * 86_400_000) / 1000
    utimesSync(old, twoDaysAgo, twoDaysAgo)
    await staging.sweep()
    expect([existsSync(old), existsSync(fresh)]).toEqual([false, true])
  })
})

describe('renderer helpers for drops', () => {
  it('keeps the files an import reads, by extension, any case', () => {
    expect(['a.csv', 'b.TSV', 'c.txt', 'd.parquet', 'e.xlsx', 'csv', '.csv'].filter(isImportable)).toEqual(['a.csv', 'b.TSV', 'c.txt', 'd.parquet'])
  })
})

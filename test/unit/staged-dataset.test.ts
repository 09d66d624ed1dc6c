/**
 * A version written one array at a time (how the host stores what a data worker streams): the
 * same version as saving the whole series, invisible until committed, nothing left on discard,
 * and arrays out of order or of the wrong length refused.
 */
import { describe, it, expect, beforeEach, afterEach } from 'vitest'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openDatabase, openReadonlyDatabase, type Db } from '../../src-main/core/store/database'
import { saveDataset, loadDataset, listDatasets, StagedDataset } from '../../src-main/core/store/datasets-repo'
import { seriesArrays, seriesHeader } from '../../src-main/core/data/series-arrays'
import { generateScenario } from '../../src-main/core/data/scenarios'

let dir: string
let db: Db
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'wb-staged-'))
  db = openDatabase(join(dir, 'workbench.db'))
})
afterEach(() => {
  db.close()
  rmSync(dir, { recursive: true, force: true })
})

const staged = () => db.prepare('SELECT count(*) FROM temp.staged_arrays').pluck().get() as number

describe('StagedDataset', () => {
  // Panel data with targets and segments: every kind of array.
  const series = generateScenario('business-risk', { scale: 0.005, seed: 2 })

  it('stores the same version (id, metadata, arrays) as saving the whole series', () => {
    const s = new StagedDataset(db, seriesHeader(series))
    for (const a of seriesArrays(series)) s.add(a)
    const { dataset: meta, created } = s.commit({ source: 'generated', generator: 'business-risk', params: { scale: 0.005 } })
    expect(created).toBe(true)
    expect(staged()).toBe(0)
    const other = openDatabase(join(dir, 'other.db'))
    try {
      const whole = saveDataset(other, series, { source: 'generated', generator: 'business-risk', params: { scale: 0.005 } })
      expect({ ...meta, createdAt: '' }).toEqual({ ...whole, createdAt: '' })
    } finally {
      other.close()
    }
    expect(loadDataset(db, meta.id)).toEqual(series)
    // The same content again: the existing version (said so), nothing staged left behind.
    const again = new StagedDataset(db, seriesHeader(series))
    for (const a of seriesArrays(series)) again.add(a)
    const second = again.commit({ source: 'imported' })
    expect(second).toMatchObject({ created: false, dataset: { id: meta.id, name: meta.name, source: 'generated' } })
    expect(listDatasets(db)).toHaveLength(1)
    expect(staged()).toBe(0)
  })

  it('is invisible to other connections until committed, and leaves nothing when discarded', () => {
    const s = new StagedDataset(db, seriesHeader(series))
    const arrays = seriesArrays(series)
    for (const a of arrays.slice(0, 3)) s.add(a)
    expect(staged()).toBe(3)
    const reader = openReadonlyDatabase(join(dir, 'workbench.db'))
    try {
      expect(reader.prepare('SELECT count(*) FROM dataset_arrays').pluck().get()).toBe(0)
    } finally {
      reader.close()
    }
    expect(() => s.commit({ source: 'imported' })).toThrow(/incomplete: array 'col:/)
    s.discard()
    expect(staged()).toBe(0)
    expect(db.prepare('SELECT count(*) FROM dataset_arrays').pluck().get()).toBe(0)
    expect(listDatasets(db)).toHaveLength(0)
  })

  it('refuses an array out of order or of the wrong length', () => {
    const s = new StagedDataset(db, seriesHeader(series))
    const [timestamps, first] = seriesArrays(series)
    expect(() => s.add(first)).toThrow(`expected array 'timestamps' (f64), got '${first.name}' (f32)`)
    expect(() => s.add({ ...timestamps, data: timestamps.data.subarray(1) })).toThrow(`array 'timestamps' has ${series.timestamps.length - 1} values for ${series.timestamps.length} rows`)
    s.discard()
  })
})

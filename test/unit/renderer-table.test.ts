/**
 * The renderer's one table model (src-renderer/src/lib/table.ts): sorting numbers, text and
 * missing cells, the text filter over the row and per column, paging, and CSV that a spreadsheet
 * reads back to the same cells (quoting, formulas neutralised), read back with csv-parse.
 */
import { describe, expect, it } from 'vitest'
import { parse } from 'csv-parse/sync'
import { clampOffset, compareCells, csvFileName, fetchAllPages, filterRows, pageLabel, pageOf, sortRows, toCsv, type TableColumn } from '../../src-renderer/src/lib/table'

interface Row {
  id: number
  name: string
  f1: number | null
  ok: boolean
}

const rows: Row[] = [
  { id: 1, name: 'run 10', f1: 0.5, ok: true },
  { id: 2, name: 'run 9', f1: null, ok: false },
  { id: 3, name: 'Alpha', f1: 0.9, ok: true },
  { id: 4, name: 'beta', f1: -0.1, ok: false },
  { id: 5, name: 'alpha', f1: NaN, ok: true }
]
const columns: TableColumn<Row>[] = [
  { key: 'id', label: 'Run', value: (r) => r.id },
  { key: 'name', label: 'Name', value: (r) => r.name },
  { key: 'f1', label: 'F1', value: (r) => r.f1, text: (r) => (r.f1 == null ? '—' : `${(r.f1 * 100).toFixed(1)}%`) },
  { key: 'ok', label: 'OK', value: (r) => r.ok }
]
const ids = (rs: Row[]) => rs.map((r) => r.id)

describe('table model: sorting', () => {
  it('sorts numbers by value with null and NaN last in either direction', () => {
    expect(ids(sortRows(rows, columns, { key: 'f1', dir: 'asc' }))).toEqual([4, 1, 3, 2, 5])
    expect(ids(sortRows(rows, columns, { key: 'f1', dir: 'desc' }))).toEqual([3, 1, 4, 2, 5])
  })

  it('sorts text in natural order, ignoring case, and keeps ties in the given order', () => {
    // "run 9" before "run 10"; "Alpha" and "alpha" tie and keep their order (3 before 5).
    expect(ids(sortRows(rows, columns, { key: 'name', dir: 'asc' }))).toEqual([3, 5, 4, 2, 1])
    expect(ids(sortRows(rows, columns, { key: 'name', dir: 'desc' }))).toEqual([1, 2, 4, 3, 5])
  })

  it('sorts booleans false first, and leaves the order alone without a sort or for an unknown column', () => {
    expect(ids(sortRows(rows, columns, { key: 'ok', dir: 'asc' }))).toEqual([2, 4, 1, 3, 5])
    expect(ids(sortRows(rows, columns, null))).toEqual([1, 2, 3, 4, 5])
    expect(ids(sortRows(rows, columns, { key: 'nope', dir: 'desc' }))).toEqual([1, 2, 3, 4, 5])
  })

  it('compares mixed cells: numbers before missing, text by its natural order', () => {
    expect(compareCells(1, null, 'desc')).toBeLessThan(0)
    expect(compareCells(null, null, 'asc')).toBe(0)
    expect(compareCells('a2', 'a10', 'asc')).toBeLessThan(0)
  })
})

describe('table model: filtering', () => {
  it('keeps rows where every term of the text occurs in some cell, as the cell reads', () => {
    expect(ids(filterRows(rows, columns, { text: 'ALPHA' }))).toEqual([3, 5])
    expect(ids(filterRows(rows, columns, { text: 'run 9' }))).toEqual([2])
    // The F1 cell reads "90.0%": the filter matches what is shown, not the raw 0.9.
    expect(ids(filterRows(rows, columns, { text: '90.0%' }))).toEqual([3])
    expect(ids(filterRows(rows, columns, { text: '   ' }))).toEqual([1, 2, 3, 4, 5])
  })

  it('filters per column, and a column filter combines with the text', () => {
    expect(ids(filterRows(rows, columns, { columns: { name: 'run' } }))).toEqual([1, 2])
    expect(ids(filterRows(rows, columns, { columns: { ok: 'true' } }))).toEqual([1, 3, 5])
    expect(ids(filterRows(rows, columns, { text: 'alpha', columns: { ok: 'true', nope: 'x' } }))).toEqual([3, 5])
    expect(ids(filterRows(rows, columns, { text: 'run', columns: { f1: '—' } }))).toEqual([2])
  })
})

describe('table model: paging', () => {
  const many = Array.from({ length: 10_000 }, (_, i) => i)

  it('gives one page of at most the page size, clamped within the rows', () => {
    expect(pageOf(many, 0, 100)).toHaveLength(100)
    expect(pageOf(many, 9_950, 100)[0]).toBe(9_900)
    expect(pageOf(many, 50_000, 100)[0]).toBe(9_900)
    expect(pageOf([], 200, 100)).toEqual([])
    expect(clampOffset(250, 100, 120)).toBe(100)
    expect(clampOffset(-5, 100, 120)).toBe(0)
  })

  it('labels the page', () => {
    expect(pageLabel(1000, 100, 10_000)).toBe('1,001–1,100 of 10,000')
    expect(pageLabel(0, 0, 0)).toBe('0 of 0')
  })

  it('fetches every page of a host-paged list, reporting progress', async () => {
    const seen: number[] = []
    const all = await fetchAllPages(async (offset, limit) => ({ rows: many.slice(offset, offset + limit), total: many.length }), 3000, (done) => seen.push(done))
    expect(all).toEqual(many)
    expect(seen).toEqual([3000, 6000, 9000, 10_000])
  })
})

describe('table model: CSV', () => {
  const text = (v: string): TableColumn<{ v: string }>[] => [{ key: 'v', label: v, value: (r) => r.v }]

  it('writes the header and the rows as shown, in their order, with CRLF line ends', () => {
    const csv = toCsv(columns, sortRows(rows, columns, { key: 'f1', dir: 'desc' }))
    expect(csv.split('\r\n')).toEqual(['Run,Name,F1,OK', '3,Alpha,0.9,true', '1,run 10,0.5,true', '4,beta,-0.1,false', '2,run 9,,false', '5,alpha,,true', ''])
  })

  it('quotes commas, quotes and line breaks so a parser reads the same cells back', () => {
    const cells = ['a,b', 'say "hi"', 'two\nlines', 'cr\r\nlf', 'plain']
    const csv = toCsv(text('the, "header"'), cells.map((v) => ({ v })))
    expect(csv).toContain('"a,b"')
    expect(csv).toContain('"say ""hi"""')
    const back = parse(csv, { columns: true }) as Record<string, string>[]
    expect(back.map((r) => r['the, "header"'])).toEqual(cells)
  })

  it("neutralises formula-looking text with a leading ' but keeps negative numbers", () => {
    const cells = ['=SUM(A1:A2)', '+1', '-1+2', '@cmd', '\tx', 'ok=1']
    const back = parse(toCsv(text('v'), cells.map((v) => ({ v }))), { columns: true }) as { v: string }[]
    expect(back.map((r) => r.v)).toEqual(["'=SUM(A1:A2)", "'+1", "'-1+2", "'@cmd", "'\tx", 'ok=1'])
    const nums = toCsv([{ key: 'n', label: 'n', value: (r: number) => r }], [-3, 1e-7, 123456.789, Infinity])
    expect(nums.split('\r\n')).toEqual(['n', '-3', '1e-7', '123456.789', '', ''])
  })

  it('names the file for what it holds and the date', () => {
    expect(csvFileName('runs', new Date(2026, 10, 29, 23, 59))).toBe('runs-2026-11-29.csv')
    expect(csvFileName('Leaderboard of grid #3', new Date(2026, 0, 2))).toBe('leaderboard-of-grid-3-2026-01-02.csv')
    expect(csvFileName('…', new Date(2026, 0, 2))).toBe('table-2026-01-02.csv')
  })
})

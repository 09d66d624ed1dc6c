/**
 * Missing values through the `workbench` command as a user meets them: an import says on stderr
 * how many cells it filled (and refuses an unknown rule), and `score` fills a file's missing cells
 * by the rule of the bundle's training data, says how many, and refuses a column with no value.
 * Real processes: the CLI, its data, training and inference workers, a real exported bundle.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { runWorkbench, tempDir } from '../helpers/workspace'

let tmp: ReturnType<typeof tempDir>
beforeAll(() => {
  tmp = tempDir('wb-missing-cli-')
})
afterAll(() => tmp.remove())

const workbench = (...args: string[]) => runWorkbench(join(tmp.dir, 'ws'), args)

/** The CSV with `blank(row, column)` cells emptied (row 0 = the first data row). */
function withBlanks(csv: string, blank: (row: number, column: string) => boolean): string {
  const [head, ...rows] = csv.trimEnd().split('\n')
  const names = head.split(',')
  return [head, ...rows.map((line, r) => line.split(',').map((cell, c) => (blank(r, names[c]) ? '' : cell)).join(','))].join('\n') + '\n'
}

describe('missing values on the command line', () => {
  it('datasets import says on stderr how many cells it filled, and refuses an unknown rule', () => {
    const csv = join(tmp.dir, 'gaps.csv')
    writeFileSync(csv, 'timestamp,a,b\n2024-01-01T00:00:00Z,1,2\n2024-01-01T00:01:00Z,,3\n2024-01-01T00:02:00Z,3,NaN\n2024-01-01T00:03:00Z,4,5\n')
    const r = workbench('datasets', 'import', csv, '--missing', 'interpolate', '--json')
    expect(r.code).toBe(0)
    expect(JSON.parse(r.stdout).params).toMatchObject({ missing: 'interpolate', missingFilled: { a: 1, b: 1 } })
    expect(r.stderr).toContain('workbench: warning: 2 missing cells filled by interpolate (a 1, b 1)')
    const bad = workbench('datasets', 'import', csv, '--missing', 'zero')
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain("--missing takes refuse, forward-fill, interpolate, got 'zero'")
    const refused = workbench('datasets', 'import', csv, '--missing', 'refuse')
    expect(refused.code).toBe(2)
    expect(refused.stderr).toContain(`${csv}:3: column 'a': missing value, and the missing-value rule is 'refuse'`)
  })

  it("score fills a file's missing cells by the bundle's rule, says how many, and refuses an all-NaN column", () => {
    const run = workbench('run', 'experiments/helios-detection-iforest.json', '--json')
    expect(run.code).toBe(0)
    const runId = JSON.parse(run.stdout).runId
    const exp = workbench('export', String(runId), '--to', join(tmp.dir, 'bundles'), '--json')
    expect(exp.code).toBe(0)
    const bundle = JSON.parse(exp.stdout).dir as string
    expect(JSON.parse(readFileSync(join(bundle, 'preprocessing.json'), 'utf8')).missingValues).toEqual({ rule: 'forward-fill', trainingCellsFilled: 0 })
    const testSet = (JSON.parse(workbench('runs', 'show', String(runId), '--json').stdout).datasets as { role: string; id: string }[]).find((d) => d.role === 'test')!
    const full = join(tmp.dir, 'test.csv')
    expect(workbench('datasets', 'export', testSet.id, '--to', full).code).toBe(0)
    const text = readFileSync(full, 'utf8')
    const feature = text.split('\n')[0].split(',')[2]

    const gaps = join(tmp.dir, 'test-gaps.csv')
    writeFileSync(gaps, withBlanks(text, (row, column) => column === feature && [3, 4, 100, 200, 300].includes(row)))
    const scored = workbench('score', bundle, gaps, '--json')
    expect(scored.code).toBe(0)
    expect(JSON.parse(scored.stdout).filled).toEqual({ rule: 'forward-fill', cells: 5, byColumn: { [feature]: 5 } })
    expect(scored.stderr).toContain(`workbench: warning: 5 missing cells filled by forward-fill (${feature} 5), the bundle's missing-value rule`)

    const empty = join(tmp.dir, 'test-empty-column.csv')
    writeFileSync(empty, withBlanks(text, (_, column) => column === feature))
    const refused = workbench('score', bundle, empty)
    expect(refused.code).toBe(2)
    expect(refused.stderr).toMatch(new RegExp(`cannot score: column '${feature}': no value in any of its [0-9,]+ rows`))
  })
})

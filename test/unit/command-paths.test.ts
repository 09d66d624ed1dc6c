/** The paths a `workbench` command line names: the CLI's host allows exactly these (issue 9, item 8). */
import { describe, it, expect } from 'vitest'
import { commandLinePaths } from '../../src-main/cli/command-paths'

describe('command-line paths', () => {
  it('names the files and folders each command reads or writes, resolved against the current folder', () => {
    const cwd = '/home/me/work'
    expect(commandLinePaths('datasets', ['import', 'a.csv', '/data/b.parquet'], {}, cwd)).toEqual(['/home/me/work/a.csv', '/data/b.parquet'])
    expect(commandLinePaths('datasets', ['export', 'abcd'], { to: '../out.csv' }, cwd)).toEqual(['/home/me/out.csv'])
    expect(commandLinePaths('export', ['3'], { to: 'bundles' }, cwd)).toEqual(['/home/me/work/bundles'])
    expect(commandLinePaths('verify', ['models/b-run1'], {}, cwd)).toEqual(['/home/me/work/models/b-run1'])
    expect(commandLinePaths('score', ['b', 'data.csv'], {}, cwd)).toEqual(['/home/me/work/b', '/home/me/work/data.csv'])
  })

  it('names nothing for commands that take no path', () => {
    expect(commandLinePaths('runs', ['show', '3'], {}, '/x')).toEqual([])
    expect(commandLinePaths('datasets', ['list'], { to: 'ignored.csv' }, '/x')).toEqual([])
    expect(commandLinePaths('export', ['3'], {}, '/x')).toEqual([])
    expect(commandLinePaths('serve', [], {}, '/x')).toEqual([])
  })
})

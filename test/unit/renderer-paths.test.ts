/** Which folder the UI offers to allow when the host refuses a typed path (issue 9, item 8). */
import { describe, it, expect } from 'vitest'
import { listEntry, parentFolder } from '../../src-renderer/src/lib/paths'
import { ClientError, errorCode, errorPath } from '../../src-renderer/src/api/types'

describe('renderer path helpers', () => {
  it('offers the folder holding a refused file, for POSIX and Windows paths', () => {
    expect(parentFolder('/data/metrics/a.csv')).toBe('/data/metrics')
    expect(parentFolder('  /data/metrics/a.csv ')).toBe('/data/metrics')
    expect(parentFolder('/data/metrics/')).toBe('/data')
    expect(parentFolder('/a.csv')).toBe('/')
    expect(parentFolder('C:\\data\\a.csv')).toBe('C:\\data')
    expect(parentFolder('C:\\a.csv')).toBe('C:\\')
    expect(parentFolder('a.csv')).toBeNull()
  })

  it('finds the refused entry of a list from the field the host names', () => {
    const files = ['/ws/a.csv', '/elsewhere/b.csv']
    expect(listEntry('files.1', 'files', files)).toBe('/elsewhere/b.csv')
    expect(listEntry('files.0', 'files', files)).toBe('/ws/a.csv')
    expect(listEntry('files.7', 'files', files)).toBeNull()
    expect(listEntry('path', 'files', files)).toBeNull()
    expect(listEntry(null, 'files', files)).toBeNull()
  })

  it('reads the refusal code and field from either transport', () => {
    const ws = new ClientError('forbidden', '/x/a.csv is outside the folders this workbench may use', 'files.1')
    expect([errorCode(ws), errorPath(ws)]).toEqual(['forbidden', 'files.1'])
    // The preload carries code and field inside the message (contextBridge keeps only that).
    const ipc = new Error("Error invoking remote method 'workbench:call': Error: [forbidden] /x/a.csv is outside the folders (workspace /w) (at files.1)")
    expect([errorCode(ipc), errorPath(ipc)]).toEqual(['forbidden', 'files.1'])
    expect(errorPath(new Error('[bad_input] no field here'))).toBeNull()
  })
})

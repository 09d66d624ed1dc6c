/** Which folder the UI offers to allow when the host refuses a typed path (issue 9, item 8), and the error it reads that from. */
import { describe, it, expect } from 'vitest'
import { listEntry, parentFolder } from '../../src-renderer/src/lib/paths'
import { ClientError, errorCode, errorMessage, errorPath } from '../../src-renderer/src/api/types'
import { preloadClient } from '../../src-renderer/src/api/preload-client'
import type { IpcReply, PreloadBridge } from '../../src-main/contract/ipc'

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

  it('reads the refusal code and field from the error a client throws', () => {
    const e = new ClientError('forbidden', '/x/a.csv is outside the folders this workbench may use', 'files.1')
    expect([errorCode(e), errorPath(e), errorMessage(e)]).toEqual(['forbidden', 'files.1', '/x/a.csv is outside the folders this workbench may use'])
    expect([errorCode(new Error('boom')), errorPath(new Error('boom'))]).toEqual([null, null])
  })

  it('the preload client throws an API error as a ClientError, as the WebSocket client does', async () => {
    const replies: IpcReply[] = [
      { ok: false, error: { code: 'forbidden', message: '/x/a.csv is outside the folders (workspace /w)', path: 'files.1' } },
      { ok: true, output: { id: 3 } }
    ]
    const seen: [string, unknown][] = []
    const bridge: PreloadBridge = {
      invoke: async (method, input) => {
        seen.push([method, input])
        return replies.shift()!
      },
      on: () => () => {},
      pathForFile: () => ''
    }
    const client = preloadClient(bridge)
    const err = await client.call('datasets.import', { files: ['/ws/a.csv', '/x/a.csv'] }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ClientError)
    // The message stays the host's own: no code or path packed into it.
    expect([errorCode(err), errorPath(err), errorMessage(err)]).toEqual(['forbidden', 'files.1', '/x/a.csv is outside the folders (workspace /w)'])
    expect(await client.call('runs.get', { id: 3 })).toEqual({ id: 3 })
    expect(seen.map(([m]) => m)).toEqual(['datasets.import', 'runs.get'])
  })
})

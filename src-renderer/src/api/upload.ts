/**
 * Uploads files to the web host's upload door (contract/upload.ts), one after another into one
 * set, with byte progress (XMLHttpRequest: fetch reports none for a request body). The token
 * travels in the page's cookie, as for the WebSocket. Resolves to what to import: each file's
 * top entry in the set, once.
 */
import { UPLOAD_PATH, stagedFileSchema, type StagedFile } from '../../../src-main/contract/upload'
import type { NamedFile } from '../lib/dropped-files'

export interface UploadProgress {
  files: number
  totalFiles: number
  bytes: number
  totalBytes: number
}

export async function uploadFiles(files: NamedFile[], onProgress: (p: UploadProgress) => void): Promise<string[]> {
  const totalBytes = files.reduce((n, f) => n + f.file.size, 0)
  const entries = new Set<string>()
  let set: string | null = null
  let before = 0
  for (const [i, f] of files.entries()) {
    onProgress({ files: i, totalFiles: files.length, bytes: before, totalBytes })
    const staged: StagedFile = await send(f, set, (sent) => onProgress({ files: i, totalFiles: files.length, bytes: before + sent, totalBytes }))
    set = staged.set
    entries.add(staged.entry)
    before += f.file.size
  }
  onProgress({ files: files.length, totalFiles: files.length, bytes: totalBytes, totalBytes })
  return [...entries]
}

function send(f: NamedFile, set: string | null, onBytes: (sent: number) => void): Promise<StagedFile> {
  const query = new URLSearchParams({ name: f.name, ...(set ? { set } : {}) })
  return new Promise((ok, fail) => {
    const xhr = new XMLHttpRequest()
    xhr.open('POST', `${UPLOAD_PATH}?${query}`)
    xhr.setRequestHeader('content-type', 'application/octet-stream')
    xhr.upload.onprogress = (e) => onBytes(e.loaded)
    xhr.onerror = () => fail(new Error(`${f.name}: the upload was cut off (the workbench stopped, or the connection broke)`))
    xhr.onload = () => {
      let body: unknown = null
      try {
        body = JSON.parse(xhr.responseText)
      } catch {
        // Not JSON: the status says enough.
      }
      if (xhr.status === 201) {
        const parsed = stagedFileSchema.safeParse(body)
        return parsed.success ? ok(parsed.data) : fail(new Error(`${f.name}: the workbench answered the upload with something unexpected`))
      }
      const message = (body as { error?: { message?: string } } | null)?.error?.message ?? `HTTP ${xhr.status}`
      fail(new Error(`${f.name}: ${message}`))
    }
    xhr.send(f.file)
  })
}

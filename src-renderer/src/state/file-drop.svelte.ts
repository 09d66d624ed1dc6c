import type { ImportDraft } from './datasets.svelte'
import { errorMessage } from '../api/types'
import { uploadFiles, type UploadProgress } from '../api/upload'
import { droppedFiles, type DropCapture, type DroppedFiles } from '../lib/dropped-files'
import { plural } from '../lib/format'

/**
 * Files dropped on the Datasets view (or picked with "Upload…"), made into import paths and
 * previewed in the import form. The desktop app imports dropped files in place (their paths come
 * from the preload; the host checks them like typed paths). In a browser the page cannot know
 * paths: the files are uploaded into the workspace's staging folder, one set per drop, which the
 * host removes once their import ended.
 */
export class FileDrop {
  /** An upload running: how far it is. */
  progress = $state.raw<UploadProgress | null>(null)
  error = $state<string | null>(null)
  /** Files of the last drop that are not importable, by name. */
  skipped = $state.raw<string[]>([])
  /** Whether the draft's paths are uploads (staged until imported), not files of the host. */
  staged = $state(false)

  constructor(
    private readonly draft: ImportDraft,
    /** The dropped file's path on disk: the desktop app's preload; absent in a browser. */
    private readonly pathForFile: ((file: File) => string) | null
  ) {}

  get busy(): boolean {
    return this.progress !== null
  }

  /** A drop on the view: its files (folders too) into the import form, then a preview. */
  async take(capture: DropCapture): Promise<void> {
    if (this.busy) return
    this.error = null
    this.skipped = []
    if (this.pathForFile) return this.inPlace(capture.files)
    await this.upload(await droppedFiles(capture).catch((e: unknown) => this.fail(`reading the dropped files failed: ${errorMessage(e)}`)))
  }

  /** Files chosen with "Upload…" (a browser's file or folder picker). */
  async upload(picked: DroppedFiles | null): Promise<void> {
    if (!picked || this.busy) return
    this.error = null
    this.skipped = picked.skipped
    if (picked.files.length === 0) {
      this.fail(`nothing to import: drop or pick CSV, TSV, TXT or Parquet files, or folders of them${picked.skipped.length ? ` (skipped ${picked.skipped.slice(0, 5).join(', ')})` : ''}`)
      return
    }
    this.progress = { files: 0, totalFiles: picked.files.length, bytes: 0, totalBytes: 0 }
    try {
      const entries = await uploadFiles(picked.files, (p) => (this.progress = p))
      this.use(entries, true)
    } catch (e) {
      this.fail(`upload failed: ${errorMessage(e)}`)
    } finally {
      this.progress = null
    }
  }

  /** The import of the staged files started: the host removes them when it ends, so the form lets go of them. */
  imported(): void {
    if (!this.staged) return
    this.staged = false
    this.draft.paths = ''
    this.draft.name = ''
    this.draft.clearPreview()
  }

  private inPlace(files: File[]): void {
    const paths = files.map((f) => this.pathForFile!(f))
    const missing = files.filter((_, i) => !paths[i]).map((f) => f.name)
    if (missing.length) return void this.fail(`${plural(missing.length, 'dropped item')} without a path on this machine (${missing.slice(0, 3).join(', ')}): drop files from a folder, or use Browse…`)
    this.use(paths, false)
  }

  private use(paths: string[], staged: boolean): void {
    this.staged = staged
    this.draft.paths = paths.join('\n')
    this.draft.name = ''
    void this.draft.loadPreview()
  }

  private fail(message: string): null {
    this.error = message
    return null
  }
}

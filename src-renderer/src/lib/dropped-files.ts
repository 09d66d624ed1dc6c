/**
 * What a drop (or a file picker) holds, as files with their names inside what was dropped:
 * `skab/valve1/0.csv` for a file of a dropped folder `skab`, `a.csv` for a file dropped alone.
 * Folders are walked through the File System entries API (`webkitGetAsEntry`); a drop without
 * entries (a page-built DataTransfer, an old browser) falls back to its flat file list.
 * Only the files an import reads are kept; the others are counted.
 */
import { isImportable } from './paths'

export interface NamedFile {
  file: File
  /** `/`-separated path inside what was dropped or picked. */
  name: string
}

export interface DroppedFiles {
  files: NamedFile[]
  /** Names of files left out (not CSV, TSV, TXT or Parquet). */
  skipped: string[]
}

/** What a drop holds, captured while the event runs (the DataTransfer is emptied after it). */
export interface DropCapture {
  entries: FileSystemEntry[]
  files: File[]
}

/** Whether a drag carries files (not text or a link): only then is the drop zone shown. */
export function carriesFiles(dt: DataTransfer | null): boolean {
  return !!dt && Array.from(dt.types).includes('Files')
}

export function captureDrop(dt: DataTransfer): DropCapture {
  const entries: FileSystemEntry[] = []
  for (const item of Array.from(dt.items)) {
    if (item.kind !== 'file') continue
    const entry = item.webkitGetAsEntry?.()
    if (entry) entries.push(entry)
  }
  return { entries, files: Array.from(dt.files) }
}

/** The files of a drop, folders walked; entries when the browser gave them, else the flat list. */
export async function droppedFiles(capture: DropCapture): Promise<DroppedFiles> {
  const all: NamedFile[] = []
  if (capture.entries.length > 0) for (const e of capture.entries) await walk(e, all)
  else for (const file of capture.files) all.push({ file, name: file.name })
  return sortOut(all)
}

/** The files of an `<input type=file>` (with `webkitdirectory`, each carries its path inside the folder). */
export function pickedFiles(list: FileList): DroppedFiles {
  return sortOut(Array.from(list, (file) => ({ file, name: file.webkitRelativePath || file.name })))
}

function sortOut(all: NamedFile[]): DroppedFiles {
  // Hidden files and folders (`.DS_Store`, `.git/…`) are skipped, as the import skips them in a folder.
  const visible = all.filter((f) => !f.name.split('/').some((part) => part.startsWith('.')))
  return { files: visible.filter((f) => isImportable(f.name)), skipped: visible.filter((f) => !isImportable(f.name)).map((f) => f.name) }
}

async function walk(entry: FileSystemEntry, out: NamedFile[]): Promise<void> {
  // fullPath is `/skab/valve1/0.csv`: the path inside the drop.
  const name = entry.fullPath.replace(/^\/+/, '') || entry.name
  if (entry.isFile) {
    const file = await new Promise<File>((ok, fail) => (entry as FileSystemFileEntry).file(ok, fail))
    out.push({ file, name })
    return
  }
  if (!entry.isDirectory || entry.name.startsWith('.')) return
  const reader = (entry as FileSystemDirectoryEntry).createReader()
  // readEntries answers in batches (100 in Chromium) until an empty one.
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((ok, fail) => reader.readEntries(ok, fail))
    if (batch.length === 0) return
    for (const e of batch) await walk(e, out)
  }
}

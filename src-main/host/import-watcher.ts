/**
 * The workspace's watched import folder: a CSV or Parquet file dropped into `<workspace>/import`
 * is imported as a dataset version and shows up in the UI without a restart. chokidar's
 * awaitWriteFinish holds a file back until its size stops changing, so a copy still in progress
 * is never read half-way. Imported files move to `import/imported/` (with a `<name>.warnings.txt`
 * when the import had warnings, e.g. a column that looks like a label); a file that fails moves
 * to `import/failed/` with a `<name>.error.txt` beside it saying why — nothing is retried for
 * ever. Roles are guessed by name: a file that needs them set is imported from the UI or CLI.
 *
 * The folder is the user's: `failed/` may be unwritable, a file may stand where a folder should,
 * `imported/` may be another file system. None of that may end the host — each file is handled
 * in a fire-and-forget promise, where a throw would be an unhandled rejection — so every file
 * system step here reports what went wrong (`report`) and leaves the file where it is.
 */
import { copyFileSync, existsSync, mkdirSync, renameSync, unlinkSync, writeFileSync } from 'node:fs'
import { basename, extname, join } from 'node:path'
import { watch, type FSWatcher } from 'chokidar'
import type { DatasetJobs } from './dataset-jobs'

const IMPORTABLE = new Set(['.csv', '.tsv', '.txt', '.parquet'])

export class ImportWatcher {
  readonly dir: string
  private watcher: FSWatcher | null = null
  private readonly busy = new Set<string>()

  constructor(
    workspaceDir: string,
    private readonly jobs: DatasetJobs,
    /** Says what went wrong with a file or a folder (the host writes it to its log). */
    private readonly report: (problem: string) => void,
    private readonly stabilityMs = 500
  ) {
    this.dir = join(workspaceDir, 'import')
  }

  start(): void {
    if (this.watcher) return
    try {
      mkdirSync(this.dir, { recursive: true })
    } catch (err) {
      this.report(`the import folder ${this.dir} cannot be made (${(err as Error).message}): files dropped there are not imported`)
      return
    }
    // Made now so the user sees where files go; a failure here is reported again when a file needs it.
    for (const sub of ['imported', 'failed']) this.ensureFolder(sub)
    this.watcher = watch(this.dir, {
      depth: 0,
      ignoreInitial: false,
      ignored: (path, stats) => Boolean(stats?.isFile() && !IMPORTABLE.has(extname(path).toLowerCase())),
      awaitWriteFinish: { stabilityThreshold: this.stabilityMs, pollInterval: 100 }
    })
    this.watcher.on('add', (path) => {
      this.importFile(path).catch((err: unknown) => this.report(`import folder: ${basename(path)}: ${(err as Error).message}`))
    })
    this.watcher.on('error', (err) => this.report(`import folder: watching ${this.dir} failed: ${(err as Error).message}`))
  }

  async close(): Promise<void> {
    await this.watcher?.close()
    this.watcher = null
  }

  private async importFile(path: string): Promise<void> {
    if (this.busy.has(path) || !existsSync(path)) return
    this.busy.add(path)
    try {
      const outcome = await this.jobs.waitFor(this.jobs.start({ kind: 'import', files: [path], options: {} }))
      const name = basename(path)
      if (outcome.dataset) {
        const target = this.move(path, 'imported', `was imported as ${outcome.dataset.id.slice(0, 12)}`)
        // What the import had to say (a column that looks like a label, no label column...) stays beside the file.
        if (target && outcome.warnings.length > 0) this.write(`${target}.warnings.txt`, outcome.warnings.join('\n') + '\n')
      } else {
        const why = outcome.error ?? 'unknown error'
        const target = this.move(path, 'failed', `could not be imported (${why})`)
        if (target) this.write(`${target}.error.txt`, `${why}\n`)
        else this.report(`import folder: ${name} could not be imported: ${why}`)
      }
    } finally {
      this.busy.delete(path)
    }
  }

  /**
   * Moves a handled file into `sub/` (a stamped name when one of that name is there); across
   * file systems by copy and delete. Returns where it went, or null after reporting why it stays.
   */
  private move(path: string, sub: 'imported' | 'failed', what: string): string | null {
    const name = basename(path)
    const folder = join(this.dir, sub)
    try {
      mkdirSync(folder, { recursive: true })
      const stamp = new Date().toISOString().replace(/[:.]/g, '-')
      const target = join(folder, existsSync(join(folder, name)) ? `${stamp}-${name}` : name)
      try {
        renameSync(path, target)
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err
        copyFileSync(path, target)
        unlinkSync(path)
      }
      return target
    } catch (err) {
      this.report(`import folder: ${name} ${what}, but cannot be moved to ${folder} (${(err as Error).message}): it stays in ${this.dir}`)
      return null
    }
  }

  private write(file: string, text: string): void {
    try {
      writeFileSync(file, text)
    } catch (err) {
      this.report(`import folder: cannot write ${file} (${(err as Error).message})`)
    }
  }

  private ensureFolder(sub: string): void {
    try {
      mkdirSync(join(this.dir, sub), { recursive: true })
    } catch (err) {
      this.report(`import folder: ${join(this.dir, sub)} cannot be made (${(err as Error).message})`)
    }
  }
}

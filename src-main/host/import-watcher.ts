/**
 * The workspace's watched import folder: a CSV or Parquet file dropped into `<workspace>/import`
 * is imported as a dataset version and shows up in the UI without a restart. chokidar's
 * awaitWriteFinish holds a file back until its size stops changing, so a copy still in progress
 * is never read half-way. Imported files move to `import/imported/` (with a `<name>.warnings.txt`
 * when the import had warnings, e.g. a column that looks like a label); a file that fails moves
 * to `import/failed/` with a `<name>.error.txt` beside it saying why — nothing is retried for
 * ever. Roles are guessed by name: a file that needs them set is imported from the UI or CLI.
 */
import { mkdirSync, renameSync, writeFileSync, existsSync } from 'node:fs'
import { basename, extname, join } from 'node:path'
import { EventEmitter } from 'node:events'
import { watch, type FSWatcher } from 'chokidar'
import type { DatasetJobs } from './dataset-jobs'

const IMPORTABLE = new Set(['.csv', '.tsv', '.txt', '.parquet'])

export class ImportWatcher extends EventEmitter<{ imported: [file: string, datasetId: string]; failed: [file: string, error: string] }> {
  readonly dir: string
  private watcher: FSWatcher | null = null
  private readonly busy = new Set<string>()

  constructor(
    workspaceDir: string,
    private readonly jobs: DatasetJobs,
    private readonly stabilityMs = 500
  ) {
    super()
    this.dir = join(workspaceDir, 'import')
  }

  start(): void {
    if (this.watcher) return
    for (const sub of ['', 'imported', 'failed']) mkdirSync(join(this.dir, sub), { recursive: true })
    this.watcher = watch(this.dir, {
      depth: 0,
      ignoreInitial: false,
      ignored: (path, stats) => Boolean(stats?.isFile() && !IMPORTABLE.has(extname(path).toLowerCase())),
      awaitWriteFinish: { stabilityThreshold: this.stabilityMs, pollInterval: 100 }
    })
    this.watcher.on('add', (path) => void this.importFile(path))
  }

  async close(): Promise<void> {
    await this.watcher?.close()
    this.watcher = null
  }

  private async importFile(path: string): Promise<void> {
    if (this.busy.has(path) || !existsSync(path)) return
    this.busy.add(path)
    try {
      const jobId = this.jobs.start({ kind: 'import', files: [path], options: {} })
      const outcome = await this.jobs.waitFor(jobId)
      const name = basename(path)
      const dest = (sub: string) => {
        const stamp = new Date().toISOString().replace(/[:.]/g, '-')
        return join(this.dir, sub, existsSync(join(this.dir, sub, name)) ? `${stamp}-${name}` : name)
      }
      if (outcome.dataset) {
        const target = dest('imported')
        renameSync(path, target)
        // What the import had to say (a column that looks like a label, no label column...) stays beside the file.
        if (outcome.warnings.length > 0) writeFileSync(`${target}.warnings.txt`, outcome.warnings.join('\n') + '\n')
        this.emit('imported', name, outcome.dataset.id)
      } else {
        const target = dest('failed')
        renameSync(path, target)
        writeFileSync(`${target}.error.txt`, `${outcome.error}\n`)
        this.emit('failed', name, outcome.error ?? 'unknown error')
      }
    } finally {
      this.busy.delete(path)
    }
  }
}

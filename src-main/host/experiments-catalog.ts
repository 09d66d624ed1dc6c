/**
 * The experiments folder: every `*.json` spec in it, valid or with its error, kept current by a
 * chokidar watcher so a new or edited spec shows up in the UI without a restart.
 */
import { readdirSync, readFileSync, existsSync } from 'node:fs'
import { join, relative, resolve, sep } from 'node:path'
import { EventEmitter } from 'node:events'
import { watch, type FSWatcher } from 'chokidar'
import { parseSpecText, type ExperimentSpec } from '../core/search/spec'
import { expandTrials } from '../core/search/expand'
import { ApiError, type ExperimentFile } from '../contract/api'

export class ExperimentsCatalog extends EventEmitter<{ changed: [] }> {
  private watcher: FSWatcher | null = null
  private timer: NodeJS.Timeout | null = null
  readonly dir: string

  constructor(dir: string) {
    super()
    this.dir = resolve(dir)
  }

  list(): ExperimentFile[] {
    if (!existsSync(this.dir)) return []
    return readdirSync(this.dir)
      .filter((f) => /\.(json|ya?ml)$/i.test(f))
      .sort()
      .map((file) => this.describe(file))
  }

  /** Resolves a file name relative to the folder; refuses paths that leave it. */
  resolveFile(file: string): string {
    const abs = resolve(this.dir, file)
    const rel = relative(this.dir, abs)
    if (rel.startsWith('..') || rel.includes(`..${sep}`) || resolve(abs) === this.dir) {
      throw new ApiError('bad_input', `'${file}' is not inside the experiments folder ${this.dir}`, 'file')
    }
    return abs
  }

  load(file: string): ExperimentSpec {
    const abs = this.resolveFile(file)
    if (!existsSync(abs)) throw new ApiError('not_found', `no experiment file '${file}' in ${this.dir}`, 'file')
    return parseSpecText(readFileSync(abs, 'utf8'), file)
  }

  watch(): void {
    if (this.watcher || !existsSync(this.dir)) return
    // awaitWriteFinish: an editor saving (or a copy in progress) is read once, when complete.
    this.watcher = watch(this.dir, {
      ignoreInitial: true,
      depth: 0,
      awaitWriteFinish: { stabilityThreshold: 200, pollInterval: 50 }
    })
    this.watcher.on('all', () => {
      if (this.timer) clearTimeout(this.timer)
      this.timer = setTimeout(() => this.emit('changed'), 100)
    })
  }

  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer)
    await this.watcher?.close()
    this.watcher = null
  }

  private describe(file: string): ExperimentFile {
    const base = { file, name: null, description: null, modelKind: null, targets: [] as string[], trials: 0 }
    try {
      const spec = parseSpecText(readFileSync(join(this.dir, file), 'utf8'), file)
      return {
        file,
        name: spec.name,
        description: spec.description ?? null,
        modelKind: spec.model.kind,
        targets: spec.targets,
        error: null,
        trials: expandTrials(spec).length
      }
    } catch (err) {
      return { ...base, error: (err as Error).message }
    }
  }
}

/**
 * The experiments folder: every `*.json` spec in it, valid or with its error, kept current by a
 * chokidar watcher so a new or edited spec shows up in the UI without a restart.
 */
import { readdirSync, readFileSync, existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { isWithin, realPath } from './path-policy'
import { EventEmitter } from 'node:events'
import { watch, type FSWatcher } from 'chokidar'
import { parseSpecText, type ExperimentSpec } from '../core/search/spec'
import { assertSearchSize, countTrials, expandTrials, DEFAULT_MAX_TRIALS_PER_SEARCH } from '../core/search/expand'
import { ApiError, type ExperimentFile } from '../contract/api'

export class ExperimentsCatalog extends EventEmitter<{ changed: [] }> {
  private watcher: FSWatcher | null = null
  private timer: NodeJS.Timeout | null = null
  readonly dir: string

  constructor(
    dir: string,
    /** The `maxTrialsPerSearch` setting: a larger spec is listed with its error, never expanded. */
    private readonly maxTrials: () => number = () => DEFAULT_MAX_TRIALS_PER_SEARCH
  ) {
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

  /** Resolves a file name relative to the folder; refuses paths that leave it, links included. */
  resolveFile(file: string): string {
    const abs = resolve(this.dir, file)
    if (abs === this.dir || !isWithin(realPath(this.dir), realPath(abs))) {
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
    let spec: ExperimentSpec
    try {
      spec = parseSpecText(readFileSync(join(this.dir, file), 'utf8'), file)
    } catch (err) {
      return { file, name: null, description: null, modelKind: null, targets: [], trials: 0, error: (err as Error).message }
    }
    const known = { file, name: spec.name, description: spec.description ?? null, modelKind: spec.model.kind, targets: spec.targets }
    // Counted first: a 10^7-trial grid lying in the folder must not be enumerated to list it.
    const count = countTrials(spec)
    try {
      assertSearchSize(spec, this.maxTrials())
    } catch (err) {
      return { ...known, trials: count, error: `${file}: ${(err as Error).message}` }
    }
    return { ...known, trials: expandTrials(spec).length, error: null }
  }
}

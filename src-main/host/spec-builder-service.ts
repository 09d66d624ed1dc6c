/**
 * The search builder's host side: a draft spec checked by the one spec schema (plus what only the
 * workspace knows: stored versions, the search-size limit), counted with the queue's own
 * expansion, its duration estimated from past runs of its kind; spec files read back as written
 * and written into the experiments folder atomically, never over an existing file unless asked.
 */
import { existsSync, linkSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import type { Db } from '../core/store/database'
import { doneDurationsOfKind } from '../core/store/runs-repo'
import { resolveDatasetId } from '../core/store/datasets-repo'
import { experimentSpecSchema, formatZodIssues, isGenerated, isYamlFile, modelSpecSchema, parseSpec, readSpecText, specText, type ExperimentSpec } from '../core/search/spec'
import { assertSearchSize, expandTrials, SearchTooLargeError } from '../core/search/expand'
import { ApiError, type SpecCheck, type SpecFormat, type SpecIssue } from '../contract/api'
import type { ExperimentsCatalog } from './experiments-catalog'

const EXTENSION: Record<SpecFormat, string> = { json: '.json', yaml: '.yaml' }

export class SpecBuilderService {
  constructor(
    private readonly db: Db,
    private readonly catalog: ExperimentsCatalog,
    private readonly limits: { maxTrialsPerSearch(): number; concurrency(): number }
  ) {}

  check(draft: unknown): SpecCheck {
    const kind = modelSpecSchema.shape.kind.safeParse((draft as { model?: { kind?: unknown } } | null)?.model?.kind)
    const parsed = experimentSpecSchema.safeParse(draft)
    const issues = parsed.success ? this.workspaceIssues(parsed.data) : formatZodIssues(parsed.error)
    const trials = parsed.success && issues.length === 0 ? expandTrials(parsed.data).length : null
    if (!kind.success) return { issues, trials, estimate: null }
    const past = doneDurationsOfKind(this.db, kind.data)
    const asked = parsed.success ? parsed.data.concurrency : undefined
    const parallel = Math.max(1, Math.min(asked ?? Infinity, this.limits.concurrency()))
    const totalMs = past.meanMs !== null && trials !== null ? (past.meanMs * trials) / parallel : null
    return { issues, trials, estimate: { modelKind: kind.data, pastRuns: past.runs, meanTrialMs: past.meanMs, parallel, totalMs } }
  }

  read(file: string): { file: string; format: SpecFormat; spec: unknown } {
    const abs = this.catalog.resolveFile(file)
    if (!existsSync(abs)) throw new ApiError('not_found', `no experiment file '${file}' in ${this.catalog.dir}`, 'file')
    return { file, format: isYamlFile(file) ? 'yaml' : 'json', spec: readSpecText(readFileSync(abs, 'utf8'), file) }
  }

  save(input: { file: string; format: SpecFormat; spec: unknown; overwrite: boolean }): { file: string; path: string; overwritten: boolean } {
    const file = fileName(input.file, input.format)
    const spec = parseSpec(input.spec, file)
    const issue = this.workspaceIssues(spec)[0]
    if (issue) throw new ApiError('bad_input', `${file}: ${issue.path}: ${issue.message}`, issue.path)
    const abs = this.catalog.resolveFile(file)
    mkdirSync(dirname(abs), { recursive: true })
    // Written beside it, then published in one step: a watcher never reads half a file. A link
    // refuses an existing name atomically; a rename replaces it (only when asked to).
    const temp = join(dirname(abs), `.${basename(abs)}.${process.pid}.${Date.now()}.tmp`)
    writeFileSync(temp, specText(input.spec, input.format), { flag: 'wx' })
    const existed = existsSync(abs)
    try {
      if (input.overwrite) renameSync(temp, abs)
      else linkSync(temp, abs)
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
        throw new ApiError('conflict', `'${file}' already exists in ${this.catalog.dir}: confirm to overwrite it, or choose another name`, 'file')
      }
      throw err
    } finally {
      rmSync(temp, { force: true })
    }
    return { file, path: abs, overwritten: existed && input.overwrite }
  }

  /** What the schema cannot see: stored versions named by the spec, and the search-size limit. */
  private workspaceIssues(spec: ExperimentSpec): SpecIssue[] {
    const issues: SpecIssue[] = []
    const parts: [string, ExperimentSpec['dataset'] | undefined][] = [
      ['dataset', spec.dataset],
      ['split.test', spec.split.kind === 'separate-test' ? spec.split.test : undefined],
      ['split.validation', spec.split.kind === 'separate-test' ? spec.split.validation : undefined]
    ]
    for (const [path, ds] of parts) {
      if (ds && !isGenerated(ds) && !resolveDatasetId(this.db, ds.version)) {
        issues.push({ path: `${path}.version`, message: `no dataset version '${ds.version}' in this workspace` })
      }
    }
    try {
      assertSearchSize(spec, this.limits.maxTrialsPerSearch())
    } catch (err) {
      if (!(err instanceof SearchTooLargeError)) throw err
      issues.push({ path: err.path, message: err.message })
    }
    return issues
  }
}

/**
 * The file name with the format's extension: added when it has none; a name whose extension says
 * the other format is refused rather than written in a format its name denies.
 */
function fileName(file: string, format: SpecFormat): string {
  const ext = /\.(json|ya?ml)$/i.exec(file)
  if (!ext) return `${file}${EXTENSION[format]}`
  if ((ext[1]!.toLowerCase() === 'json') !== (format === 'json')) {
    throw new ApiError('bad_input', `'${file}' names a ${ext[1]} file but the format chosen is ${format}`, 'file')
  }
  return file
}

import type { ParamInfo, SpecCheck, SpecFormSchema, SpecFormat } from '../../../src-main/contract/api'
import type { WorkbenchClient } from '../api/client'
import { ClientError, errorMessage } from '../api/types'
import { emptyForm, emptyParam, formFromSpec, issuesByField, specFromForm, suggestedFile, type SpecForm } from '../lib/spec-form'

/** Where a "duplicate and edit" starts from: a spec file, or the spec a run was queued with. */
export type BuilderSource = { file: string } | { run: number }

/** How long typing pauses before the draft is checked again. */
const CHECK_DELAY_MS = 150

/**
 * The search builder's state: the form, the field docs (`experiments.schema`), the host's check of
 * the draft (`experiments.check`: issues by field, trial count, estimate; the latest answer wins),
 * and saving (`experiments.save`, then `experiments.queue { file }` for "Save and queue").
 */
export class SearchBuilder {
  form = $state<SpecForm>(emptyForm())
  schema = $state.raw<SpecFormSchema | null>(null)
  loadError = $state<string | null>(null)
  check = $state.raw<SpecCheck | null>(null)
  checkError = $state<string | null>(null)
  format = $state<SpecFormat>('json')
  /** The file name; follows the spec's name until edited. */
  file = $state('')
  fileEdited = $state(false)
  saving = $state(false)
  saveError = $state<string | null>(null)
  /** The file exists: the next save must be confirmed to overwrite it. */
  confirmOverwrite = $state(false)
  saved = $state.raw<{ file: string; experimentId: number | null } | null>(null)

  private seq = 0
  private timer: ReturnType<typeof setTimeout> | null = null

  constructor(private readonly api: WorkbenchClient) {}

  /** The field docs, then the form from `source` (a copy: its name gets a `-copy` suffix). */
  async load(source: BuilderSource | null): Promise<void> {
    try {
      this.schema = await this.api.call('experiments.schema', {})
      this.fillParams()
      if (!source) return
      const spec = 'file' in source ? (await this.api.call('experiments.read', { file: source.file })).spec : (await this.api.call('runs.get', { id: source.run })).spec
      const form = formFromSpec(spec)
      form.name = form.name ? `${form.name}-copy` : ''
      this.form = form
      this.fillParams()
      if ('file' in source && /\.ya?ml$/i.test(source.file)) this.format = 'yaml'
    } catch (e) {
      this.loadError = errorMessage(e)
    }
  }

  get spec(): Record<string, unknown> {
    return specFromForm(this.form)
  }

  get fieldIssues(): Record<string, string[]> {
    return issuesByField(this.check?.issues ?? [])
  }

  get fileName(): string {
    return this.fileEdited ? this.file : suggestedFile(this.form.name, this.format)
  }

  paramsOf(kind: string): ParamInfo[] {
    return this.schema?.models.find((m) => m.kind === kind)?.params ?? []
  }

  splitFields(kind: string): ParamInfo[] {
    return this.schema?.splits.find((s) => s.kind === kind)?.fields ?? []
  }

  /** A new model kind starts from its own params, every one at its default. */
  setModelKind(kind: string): void {
    this.form.model = { kind, params: {} }
    this.fillParams()
  }

  /** A new split kind starts with its fields blank. */
  setSplitKind(kind: string): void {
    this.form.split = { kind, fields: {} }
  }

  /** An entry for every param of the model kind (prefilled ones kept), for the rows to bind to. */
  private fillParams(): void {
    for (const p of this.paramsOf(this.form.model.kind)) this.form.model.params[p.name] ??= emptyParam()
  }

  /** Checks the current draft after a short pause; an older answer never replaces a newer one. */
  scheduleCheck(): void {
    const spec = $state.snapshot(this.spec)
    if (this.timer) clearTimeout(this.timer)
    this.timer = setTimeout(() => void this.runCheck(spec), CHECK_DELAY_MS)
  }

  private async runCheck(spec: unknown): Promise<void> {
    const seq = ++this.seq
    try {
      const check = await this.api.call('experiments.check', { spec })
      if (seq !== this.seq) return
      this.check = check
      this.checkError = null
    } catch (e) {
      if (seq === this.seq) this.checkError = errorMessage(e)
    }
  }

  /** Writes the spec file (asking before replacing one), then queues it when asked to. */
  async save(queue: boolean): Promise<void> {
    this.saving = true
    this.saveError = null
    this.saved = null
    try {
      const { file } = await this.api.call('experiments.save', { file: this.fileName, format: this.format, spec: $state.snapshot(this.spec), overwrite: this.confirmOverwrite })
      this.confirmOverwrite = false
      const experimentId = queue ? (await this.api.call('experiments.queue', { file })).experimentId : null
      this.saved = { file, experimentId }
    } catch (e) {
      if (e instanceof ClientError && e.code === 'conflict') this.confirmOverwrite = true
      this.saveError = errorMessage(e)
    } finally {
      this.saving = false
    }
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer)
    this.seq++
  }
}

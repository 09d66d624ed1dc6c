/**
 * The search builder's form and the spec it stands for, both ways, without touching the DOM
 * (unit-tested in Node). The spec holds only what the user set — no defaults filled in — so a
 * saved file reads like one written by hand. Values are typed as text: valid JSON is taken as
 * JSON (`0.001`, `true`, `null`, `[64, 32]`), anything else as a string (`auto`, `abc`), and the
 * host's one spec schema says what is wrong with it, on the field's path.
 */

/** How a model param is given: left to its default, one value, a list (grid) or a range (random). */
export type ParamMode = 'default' | 'value' | 'list' | 'range'

export interface ParamEntry {
  mode: ParamMode
  value: string
  /** Comma-separated values. */
  list: string
  min: string
  max: string
  log: boolean
  int: boolean
}

export interface SpecForm {
  name: string
  description: string
  dataset: { source: 'version'; version: string } | { source: 'generator'; generator: string; params: Record<string, string> }
  split: { kind: string; fields: Record<string, string> }
  model: { kind: string; params: Record<string, ParamEntry> }
  search: { kind: 'grid' | 'random'; trials: string; seed: string; order: '' | 'grid' | 'shuffled' }
  /** Empty metric: the spec's default objective. */
  objective: { metric: string; direction: 'maximize' | 'minimize' }
  /** One target per line, e.g. `precision >= 0.9`. */
  targets: string
  concurrency: string
  stopWhenTargetsMet: boolean
  /** Top-level fields of a copied spec the form has no input for (`seed`, `isolation`): kept as they were. */
  extra: Record<string, unknown>
}

export function emptyParam(): ParamEntry {
  return { mode: 'default', value: '', list: '', min: '', max: '', log: false, int: false }
}

export function emptyForm(): SpecForm {
  return {
    name: '',
    description: '',
    dataset: { source: 'generator', generator: '', params: {} },
    split: { kind: 'time', fields: {} },
    model: { kind: 'iforest', params: {} },
    search: { kind: 'grid', trials: '', seed: '', order: '' },
    objective: { metric: '', direction: 'maximize' },
    targets: '',
    concurrency: '',
    stopWhenTargetsMet: false,
    extra: {}
  }
}

/**
 * A typed value: JSON when it parses, else the text itself; blank is "not set".
 * @example parseValue('0.001') // 0.001
 * @example parseValue('auto') // "auto"
 * @example parseValue('  ') // undefined
 */
export function parseValue(text: string): unknown {
  const t = text.trim()
  if (t === '') return undefined
  try {
    return JSON.parse(t)
  } catch {
    return t
  }
}

/**
 * A value as the user would type it back (strings bare, the rest as JSON).
 * @example valueText('auto') // "auto"
 * @example valueText([64, 32]) // "[64, 32]"
 */
export function valueText(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v).replace(/,(?=\S)/g, ', ')
}

/**
 * A grid's values, comma-separated.
 * @example parseList('100, 200,auto') // [100, 200, "auto"]
 */
export function parseList(text: string): unknown[] {
  return text
    .split(',')
    .map((t) => parseValue(t))
    .filter((v) => v !== undefined)
}

/** Set text fields as an object of typed values (blank ones left out). */
function typedFields(fields: Record<string, string>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [k, text] of Object.entries(fields)) {
    const v = parseValue(text)
    if (v !== undefined) out[k] = v
  }
  return out
}

const nonEmpty = (o: Record<string, unknown>) => Object.keys(o).length > 0

/** The spec the form stands for, with only what was set, in a hand-written spec's key order. */
export function specFromForm(form: SpecForm): Record<string, unknown> {
  const spec: Record<string, unknown> = { name: form.name.trim() }
  if (form.description.trim()) spec.description = form.description.trim()
  if (form.dataset.source === 'version') spec.dataset = { version: form.dataset.version.trim() }
  else {
    const params = typedFields(form.dataset.params)
    spec.dataset = { generator: form.dataset.generator, ...(nonEmpty(params) ? { params } : {}) }
  }
  spec.split = { kind: form.split.kind, ...typedFields(form.split.fields) }

  const params: Record<string, unknown> = {}
  const space: Record<string, unknown> = {}
  for (const [name, p] of Object.entries(form.model.params)) {
    if (p.mode === 'value') {
      const v = parseValue(p.value)
      if (v !== undefined) params[name] = v
    } else if (p.mode === 'list') space[name] = parseList(p.list)
    else if (p.mode === 'range') {
      space[name] = { min: parseValue(p.min), max: parseValue(p.max), ...(p.log ? { log: true } : {}), ...(p.int ? { int: true } : {}) }
    }
  }
  spec.model = { kind: form.model.kind, ...(nonEmpty(params) ? { params } : {}) }
  if (nonEmpty(space)) {
    const s = form.search
    spec.search = {
      kind: s.kind,
      space,
      ...(parseValue(s.trials) !== undefined ? { trials: parseValue(s.trials) } : {}),
      ...(parseValue(s.seed) !== undefined ? { seed: parseValue(s.seed) } : {}),
      ...(s.order ? { order: s.order } : {})
    }
  }
  if (parseValue(form.concurrency) !== undefined) spec.concurrency = parseValue(form.concurrency)
  if (form.objective.metric) spec.objective = { metric: form.objective.metric, direction: form.objective.direction }
  const targets = form.targets
    .split('\n')
    .map((t) => t.trim())
    .filter(Boolean)
  if (targets.length > 0) spec.targets = targets
  if (form.stopWhenTargetsMet) spec.stopWhenTargetsMet = true
  return { ...spec, ...form.extra }
}

/** The spec's top-level fields the form has inputs for. */
const FORM_FIELDS = new Set(['name', 'description', 'dataset', 'split', 'model', 'search', 'objective', 'targets', 'concurrency', 'stopWhenTargetsMet'])

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)
const textOf = (v: unknown) => (v === undefined ? '' : valueText(v))
const textFields = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, valueText(v)]))

/**
 * A form filled from a spec (a file read as written, or a run's spec) for "duplicate and edit";
 * what the form cannot hold (fields of another shape) is left to the user to set again.
 */
export function formFromSpec(spec: unknown): SpecForm {
  const form = emptyForm()
  if (!isRecord(spec)) return form
  form.name = typeof spec.name === 'string' ? spec.name : ''
  form.description = typeof spec.description === 'string' ? spec.description : ''
  const ds = spec.dataset
  if (isRecord(ds) && typeof ds.version === 'string') form.dataset = { source: 'version', version: ds.version }
  else if (isRecord(ds)) form.dataset = { source: 'generator', generator: String(ds.generator ?? ''), params: textFields(isRecord(ds.params) ? ds.params : {}) }
  if (isRecord(spec.split)) {
    const { kind, ...fields } = spec.split
    form.split = { kind: String(kind ?? 'time'), fields: textFields(fields) }
  }
  const model = isRecord(spec.model) ? spec.model : {}
  form.model.kind = typeof model.kind === 'string' ? model.kind : form.model.kind
  for (const [name, v] of Object.entries(isRecord(model.params) ? model.params : {})) form.model.params[name] = { ...emptyParam(), mode: 'value', value: valueText(v) }
  const search = isRecord(spec.search) ? spec.search : null
  if (search) {
    form.search = {
      kind: search.kind === 'random' ? 'random' : 'grid',
      trials: textOf(search.trials),
      seed: textOf(search.seed),
      order: search.order === 'grid' || search.order === 'shuffled' ? search.order : ''
    }
    for (const [name, dom] of Object.entries(isRecord(search.space) ? search.space : {})) {
      // A searched param's fixed value (if any) gives way to its list or range, as the search does.
      form.model.params[name] = Array.isArray(dom)
        ? { ...emptyParam(), mode: 'list', list: dom.map(valueText).join(', ') }
        : isRecord(dom)
          ? { ...emptyParam(), mode: 'range', min: textOf(dom.min), max: textOf(dom.max), log: dom.log === true, int: dom.int === true }
          : emptyParam()
    }
  }
  if (isRecord(spec.objective)) form.objective = { metric: String(spec.objective.metric ?? ''), direction: spec.objective.direction === 'minimize' ? 'minimize' : 'maximize' }
  if (Array.isArray(spec.targets)) form.targets = spec.targets.map(String).join('\n')
  form.concurrency = textOf(spec.concurrency)
  form.stopWhenTargetsMet = spec.stopWhenTargetsMet === true
  form.extra = Object.fromEntries(Object.entries(spec).filter(([k]) => !FORM_FIELDS.has(k)))
  return form
}

/**
 * The form field an issue's path belongs to: a model param's value and its searched values are
 * one field (`param.<name>`), a split's field is `split.<field>`, the rest is its top-level key.
 * @example fieldOf('model.params.learningRate') // "param.learningRate"
 * @example fieldOf('search.space.nEstimators.1') // "param.nEstimators"
 * @example fieldOf('split.trainFraction') // "split.trainFraction"
 * @example fieldOf('dataset.params.days') // "dataset"
 * @example fieldOf('search.trials') // "search.trials"
 */
export function fieldOf(path: string): string {
  const p = path.split('.')
  if (p[0] === 'model' && p[1] === 'params' && p[2]) return `param.${p[2]}`
  if (p[0] === 'search' && p[1] === 'space' && p[2]) return `param.${p[2]}`
  if (p[0] === 'search' && (p[1] === 'trials' || p[1] === 'seed' || p[1] === 'order')) return `search.${p[1]}`
  if (p[0] === 'split') return `split.${p[1] ?? 'kind'}`
  if (p[0] === 'model') return 'model.kind'
  return p[0] || 'form'
}

/** Issues grouped by the field they are shown under (see `fieldOf`). */
export function issuesByField(issues: { path: string; message: string }[]): Record<string, string[]> {
  const out: Record<string, string[]> = {}
  for (const i of issues) (out[fieldOf(i.path)] ??= []).push(i.message)
  return out
}

/**
 * A file name from the spec's name, in the chosen format.
 * @example suggestedFile('helios-grid', 'yaml') // "helios-grid.yaml"
 */
export function suggestedFile(name: string, format: 'json' | 'yaml'): string {
  return `${name.trim() || 'new-search'}.${format}`
}

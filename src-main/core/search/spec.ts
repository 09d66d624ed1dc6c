/**
 * Experiment specs: what a run trains on, with which model and params, and what it must reach.
 *
 * A spec is a JSON file under `experiments/` or an object built in the UI; both go through this
 * one schema, so a bad spec is refused before anything starts, with the field path and the reason.
 */
import { z } from 'zod'
import YAML from 'yaml'
import { scenarios, scenarioIds, getScenario } from '../data/scenarios'
import { datasetIdSchema } from '../data/dataset-id'
import { iforestParamsSchema } from '../models/iforest'
import { lstmClassifierParamsSchema, lstmAutoencoderParamsSchema, lstmAttentionParamsSchema } from '../models/deep/params'
import { parseTarget, isKnownMetric, TARGET_METRICS } from '../eval/targets'

/** Each model kind's params schema: the spec is checked against it before anything is queued. */
export const modelParamsSchemas = {
  iforest: iforestParamsSchema,
  'lstm-classifier': lstmClassifierParamsSchema,
  'lstm-autoencoder': lstmAutoencoderParamsSchema,
  'lstm-attention': lstmAttentionParamsSchema
} as const

export const generatedDatasetSchema = z
  .object({
    /** Scenario generator id, e.g. `helios-detection`. */
    generator: z.string().min(1),
    /** Generator parameters; the generator validates them itself. */
    params: z.record(z.string(), z.unknown()).default({})
  })
  .strict()
export type GeneratedDatasetSpec = z.infer<typeof generatedDatasetSchema>

/**
 * A stored dataset version: its content hash, or a unique prefix (dataset-id.ts). The field is
 * `version` (not `id`) because spec files on disk say so.
 */
export const versionDatasetSchema = z.object({ version: datasetIdSchema }).strict()

export const datasetSpecSchema = z.union([generatedDatasetSchema, versionDatasetSchema])
export type DatasetSpec = z.infer<typeof datasetSpecSchema>

export function isGenerated(ds: DatasetSpec): ds is GeneratedDatasetSpec {
  return 'generator' in ds
}

const fraction = z.number().gt(0).lt(1)
/**
 * Share of the training rows (the last ones of each segment; entities for an entity split) held
 * out for validation when the split names no validation part. Default 0.15 (splits.ts); 0 opts
 * out, and thresholds and a search's winner are then chosen on training data.
 */
const validationShare = z
  .number()
  .min(0)
  .max(0.5)
  .optional()
  .describe('Share of the training rows held out for validation when no validation part is named (default 0.15; 0 = none).')
const trainFraction = fraction.describe('Share of the rows (or entities) that trains.')
const validationFraction = fraction.optional().describe('Share that validates, after the training part.')
// Each kind's `.describe()` is its one-line meaning in the search builder (param-docs.ts).
export const splitSchema = z.discriminatedUnion('kind', [
  /** Train on `dataset`, test on a second dataset (seed 002: 3 days from another seed); validate on a third, or on the train tail. */
  z
    .object({
      kind: z.literal('separate-test'),
      test: datasetSpecSchema.describe('The test dataset: a stored version or a generator.'),
      validation: datasetSpecSchema.optional().describe('A third dataset to validate on.'),
      validationShare
    })
    .strict()
    .describe('Train on the dataset, test on a second one; validate on a third or on the training tail.'),
  /** Chronological within each segment: the first `trainFraction` trains, then `validationFraction` validates, the rest tests. */
  z
    .object({ kind: z.literal('time'), trainFraction, validationFraction, validationShare })
    .strict()
    .describe('Chronological within each segment: train, then validation, then test.'),
  /** Whole entities (business-risk's businesses, imported files), shuffled with `seed`. */
  z
    .object({
      kind: z.literal('entity'),
      trainFraction,
      validationFraction,
      seed: z.number().int().default(0).describe('Seeds the shuffle of the entities.'),
      validationShare
    })
    .strict()
    .describe('Whole entities (businesses, files), shuffled with a seed, train, validate or test.'),
  /** Named segments (files or entities) test (and validate); the others train. */
  z
    .object({
      kind: z.literal('file'),
      test: z.array(z.string().min(1)).min(1).describe('Segments (files or entities) that test.'),
      validation: z.array(z.string().min(1)).optional().describe('Segments that validate.'),
      validationShare
    })
    .strict()
    .describe('Named segments test (and validate); the others train.'),
  /** The first `trainRows` rows of each file or entity train, the rest test. */
  z
    .object({ kind: z.literal('first-rows'), trainRows: z.number().int().positive().describe('Rows of each segment that train.'), validationShare })
    .strict()
    .describe('The first rows of each file or entity train, the rest test.'),
  /**
   * One model per segment (file or entity): each trains on its segment's first rows (or first
   * fraction), validates on their tail, and scores the rest; metrics are pooled over segments and
   * kept per segment (the protocol of per-file benchmarks such as SKAB).
   */
  z
    .object({
      kind: z.literal('per-segment'),
      train: z
        .union([z.object({ firstRows: z.number().int().positive() }).strict(), z.object({ firstFraction: fraction }).strict()])
        .describe("Each segment's training part: its first rows or its first fraction."),
      validationShare
    })
    .strict()
    .describe('One model per segment, trained on its first rows; metrics pooled and kept per segment.')
])

export const modelSpecSchema = z
  .object({
    kind: z.enum(['iforest', 'lstm-classifier', 'lstm-autoencoder', 'lstm-attention']),
    params: z.record(z.string(), z.unknown()).default({})
  })
  .strict()

/** A value range for random search; `log` samples uniformly in log space, `int` rounds. */
export const rangeSchema = z
  .object({ min: z.number(), max: z.number(), log: z.boolean().default(false), int: z.boolean().default(false) })
  .strict()
  .refine((r) => r.max > r.min, { message: 'max must be greater than min', path: ['max'] })
  .refine((r) => !r.log || r.min > 0, { message: 'a log range needs min > 0', path: ['min'] })

const choiceValue = z.union([z.number(), z.string(), z.boolean(), z.null()])

export const searchSchema = z
  .object({
    kind: z.enum(['grid', 'random']),
    /** Model param → the values to try (grid and random), or a range (random only). */
    space: z.record(z.string(), z.union([z.array(choiceValue).min(1), rangeSchema])),
    /** Random search: how many trials. */
    trials: z.number().int().min(1).max(100_000).optional(),
    /** Seed of random sampling and of the shuffled order. */
    seed: z.number().int().default(0),
    /** The order trials run in: the grid's, or shuffled with `seed`. */
    order: z.enum(['grid', 'shuffled']).default('grid')
  })
  .strict()
  .superRefine((s, ctx) => {
    if (s.kind === 'random' && s.trials === undefined) ctx.addIssue({ code: 'custom', path: ['trials'], message: 'random search needs a trial count' })
    if (s.kind === 'grid') {
      for (const [k, v] of Object.entries(s.space)) {
        if (!Array.isArray(v)) ctx.addIssue({ code: 'custom', path: ['space', k], message: 'a grid takes a list of values (ranges are for random search)' })
      }
    }
  })

export const objectiveSchema = z
  .object({ metric: z.string().min(1), direction: z.enum(['maximize', 'minimize']) })
  .strict()

export const experimentSpecSchema = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9._-]+$/, 'use letters, digits, dot, dash and underscore'),
    description: z.string().optional(),
    /** Which seed document the experiment reproduces, e.g. `002`. */
    seed: z.string().optional(),
    dataset: datasetSpecSchema,
    split: splitSchema,
    model: modelSpecSchema,
    objective: objectiveSchema.default({ metric: 'f1', direction: 'maximize' }),
    /** E.g. `precision >= 0.953`; checked on the test set. */
    targets: z.array(z.string()).default([]),
    /** A hyperparameter search over model params; absent = one trial with `model.params`. */
    search: searchSchema.optional(),
    /** Trials at once for this experiment (default: the scheduler's, one per core). */
    concurrency: z.number().int().min(1).max(64).optional(),
    /**
     * How its trials get worker processes: `warm` (absent: the default) reuses an idle training
     * worker that served earlier trials, skipping a process start per trial; `process-per-trial`
     * starts a fresh process for each and ends it after (nothing an earlier trial left in memory).
     */
    isolation: z.enum(['warm', 'process-per-trial']).optional(),
    /** Stop queuing further trials once one trial meets every target. */
    stopWhenTargetsMet: z.boolean().default(false)
  })
  .strict()
  // Nested checks with full field paths: generator params, model params, searched values, targets,
  // objective. Each needs only its own part of the spec, so it runs whenever that part is valid,
  // even when another part is not: a spec's errors come all at once, not in two passes.
  .superRefine(nestedChecks, { when: () => true })
export type ExperimentSpec = z.infer<typeof experimentSpecSchema>

/** The part of the spec `schema` describes, or undefined where it is invalid (reported by the shape). */
function validPart<S extends z.ZodType>(schema: S, value: unknown): z.output<S> | undefined {
  const r = schema.safeParse(value)
  return r.success ? r.data : undefined
}

/** A generated dataset's scenario and params (a stored version is checked when the run is queued). */
function checkDataset(ds: DatasetSpec, path: (string | number)[], ctx: z.RefinementCtx): void {
  if (!isGenerated(ds)) return
  if (!Object.hasOwn(scenarios, ds.generator)) {
    ctx.addIssue({ code: 'custom', path: [...path, 'generator'], message: `unknown scenario '${ds.generator}' (known: ${scenarioIds().join(', ')})` })
    return
  }
  const r = getScenario(ds.generator).paramsSchema.safeParse(ds.params)
  if (!r.success) for (const i of r.error.issues) ctx.addIssue({ code: 'custom', path: [...path, 'params', ...i.path.map(String)], message: i.message })
}

function nestedChecks(value: unknown, ctx: z.RefinementCtx): void {
  if (typeof value !== 'object' || value === null) return
  const raw = value as Record<string, unknown>
  const dataset = validPart(datasetSpecSchema, raw.dataset)
  if (dataset) checkDataset(dataset, ['dataset'], ctx)
  const split = validPart(splitSchema, raw.split)
  if (split?.kind === 'separate-test') {
    checkDataset(split.test, ['split', 'test'], ctx)
    if (split.validation) checkDataset(split.validation, ['split', 'validation'], ctx)
  }
  const model = validPart(modelSpecSchema, raw.model)
  if (model) {
    const paramsSchema = modelParamsSchemas[model.kind]
    const params = paramsSchema.safeParse(model.params)
    if (!params.success) for (const i of params.error.issues) ctx.addIssue({ code: 'custom', path: ['model', 'params', ...i.path.map(String)], message: i.message })
    // Every searched value must be a valid param on its own: a bad grid is refused before queueing.
    // Only what the searched value adds counts: the fixed params' own issues are reported above.
    const issueKey = (i: z.core.$ZodIssue) => `${i.path.join('.')}: ${i.message}`
    const fixedIssues = new Set(params.success ? [] : params.error.issues.map(issueKey))
    for (const [key, values] of Object.entries(validPart(searchSchema.optional(), raw.search)?.space ?? {})) {
      const candidates = Array.isArray(values) ? values : [values.min, values.max]
      candidates.forEach((value, k) => {
        const r = paramsSchema.safeParse({ ...model.params, [key]: value })
        const issue = r.success ? undefined : r.error.issues.find((i) => !fixedIssues.has(issueKey(i)))
        if (issue) ctx.addIssue({ code: 'custom', path: ['search', 'space', key, ...(Array.isArray(values) ? [k] : [])], message: `${key} = ${JSON.stringify(value)}: ${issue.message}` })
      })
    }
  }
  validPart(z.array(z.string()).default([]), raw.targets)?.forEach((t, k) => {
    try {
      parseTarget(t)
    } catch (err) {
      ctx.addIssue({ code: 'custom', path: ['targets', k], message: (err as Error).message })
    }
  })
  const objective = validPart(objectiveSchema.optional(), raw.objective)
  if (objective && !isKnownMetric(objective.metric)) {
    ctx.addIssue({ code: 'custom', path: ['objective', 'metric'], message: `unknown metric '${objective.metric}' (known: ${TARGET_METRICS.join(', ')})` })
  }
}

/** Thrown for a spec that does not validate; `issues` name each field path. */
export class SpecError extends Error {
  readonly issues: { path: string; message: string }[]
  constructor(source: string, issues: { path: string; message: string }[]) {
    super(`${source}: ${issues.map((i) => `${i.path || '(root)'}: ${i.message}`).join('; ')}`)
    this.name = 'SpecError'
    this.issues = issues
  }
}

export function formatZodIssues(error: z.ZodError): { path: string; message: string }[] {
  return error.issues.map((issue) => ({ path: issue.path.map(String).join('.'), message: issue.message }))
}

/** Validates a parsed spec object; `source` names the file (or `inline spec`) in errors. */
export function parseSpec(value: unknown, source = 'inline spec'): ExperimentSpec {
  const result = experimentSpecSchema.safeParse(value)
  if (!result.success) throw new SpecError(source, formatZodIssues(result.error))
  return result.data
}

/** Whether a spec file's name says YAML (`.yaml` / `.yml`); anything else is read as JSON. */
export function isYamlFile(source: string): boolean {
  return /\.ya?ml$/i.test(source)
}

/**
 * A spec file's text as a plain value, not yet checked against the schema (the search builder
 * edits invalid specs too): YAML for `.yaml`/`.yml`, JSON otherwise; syntax errors name the line
 * and column.
 */
export function readSpecText(text: string, source: string): unknown {
  if (isYamlFile(source)) {
    const doc = YAML.parseDocument(text, { prettyErrors: true })
    const err = doc.errors[0]
    if (err) {
      const at = err.linePos?.[0]
      throw new SpecError(source, [{ path: '', message: `invalid YAML${at ? ` at line ${at.line}, column ${at.col}` : ''}: ${err.message.split('\n')[0]}` }])
    }
    try {
      // yaml counts alias expansions (maxAliasCount) and throws on a "billion laughs" document.
      return doc.toJS({ maxAliasCount: 100 })
    } catch (err) {
      throw new SpecError(source, [{ path: '', message: `YAML refused: ${(err as Error).message}` }])
    }
  }
  try {
    return JSON.parse(text)
  } catch (err) {
    const message = (err as Error).message
    const pos = /position (\d+)/.exec(message)
    if (pos) {
      const offset = Number(pos[1])
      const before = text.slice(0, offset)
      const line = before.split('\n').length
      const column = offset - before.lastIndexOf('\n')
      throw new SpecError(source, [{ path: '', message: `invalid JSON at line ${line}, column ${column}: ${message}` }])
    }
    throw new SpecError(source, [{ path: '', message: `invalid JSON: ${message}` }])
  }
}

/** Parses a spec file's text (see `readSpecText`) and checks it against the schema. */
export function parseSpecText(text: string, source: string): ExperimentSpec {
  return parseSpec(readSpecText(text, source), source)
}

/**
 * A spec as a file's text, the way a person would write it: JSON with two-space indents, or
 * YAML; only the fields the value holds (no defaults filled in), in its key order.
 */
export function specText(spec: unknown, format: 'json' | 'yaml'): string {
  return format === 'json' ? `${JSON.stringify(spec, null, 2)}\n` : YAML.stringify(spec)
}

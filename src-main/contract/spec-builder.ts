/**
 * The search builder (issue 15): what a spec's fields accept, a draft spec checked field by field
 * with its trial count and an estimated duration, a spec file read back for "duplicate and edit",
 * and a spec written into the experiments folder (JSON or YAML) as a person would write it. The
 * UI, the CLI and any client reach them the same way; the renderer never writes files.
 *
 * `api.ts` gathers `specBuilderMethods` into its `methods` and re-exports these schemas. This
 * module imports no other contract module (importing `api.ts` would be a cycle).
 */
import { z } from 'zod'
// Declared with the engine that derives it from the spec schemas (core never imports the contract).
import { specFormSchemaSchema } from '../core/search/param-docs'
export type { SpecFormSchema, ParamInfo } from '../core/search/param-docs'

export const SPEC_FORMATS = ['json', 'yaml'] as const
export const specFormatSchema = z.enum(SPEC_FORMATS)
export type SpecFormat = z.infer<typeof specFormatSchema>

/** One problem of a draft spec: the field path (`model.params.learningRate`, `search.space.nEstimators.1`) and why. */
export const specIssueSchema = z.object({ path: z.string(), message: z.string() })
export type SpecIssue = z.infer<typeof specIssueSchema>

export const specCheckSchema = z.object({
  /** Every problem at once, from the one spec schema (and the search-size limit, and stored versions). */
  issues: z.array(specIssueSchema),
  /** Trials the spec expands to, duplicates removed (what queueing it adds at most); null while invalid. */
  trials: z.number().int().nullable(),
  /** From finished runs of the spec's model kind; `pastRuns` 0: nothing to go on. */
  estimate: z
    .object({
      modelKind: z.string(),
      pastRuns: z.number().int(),
      meanTrialMs: z.number().nullable(),
      /** Trials at once: the spec's `concurrency` within this host's slots. */
      parallel: z.number().int().positive(),
      totalMs: z.number().nullable()
    })
    .nullable()
})
export type SpecCheck = z.infer<typeof specCheckSchema>

/**
 * A spec file's name inside the experiments folder: letters, digits, dot, dash and underscore, no
 * folder part, not hidden; the extension follows the format (added when missing).
 */
export const specFileNameSchema = z
  .string()
  .min(1)
  .max(120)
  .regex(/^[A-Za-z0-9_-][A-Za-z0-9._-]*$/, 'a file name of letters, digits, dot, dash and underscore, without a folder')

export const specBuilderMethods = {
  /** Each model kind's params and each split kind's fields: type, default, allowed values, meaning. */
  'experiments.schema': { input: z.object({}).strict(), output: specFormSchemaSchema },
  /** Checks a draft spec (nothing is stored): its issues field by field, trial count and estimate. */
  'experiments.check': { input: z.object({ spec: z.unknown() }).strict(), output: specCheckSchema },
  /** A spec file of the experiments folder as written (no defaults filled in), for "duplicate and edit". */
  'experiments.read': {
    input: z.object({ file: z.string().min(1) }).strict(),
    output: z.object({ file: z.string(), format: specFormatSchema, spec: z.unknown() })
  },
  /**
   * Writes a valid spec into the experiments folder exactly as given (only what the user set), in
   * the format chosen. An existing file is `conflict` unless `overwrite`. Queue it with
   * `experiments.queue { file }` after.
   */
  'experiments.save': {
    input: z.object({ file: specFileNameSchema, format: specFormatSchema, spec: z.unknown(), overwrite: z.boolean().default(false) }).strict(),
    output: z.object({ file: z.string(), path: z.string(), overwritten: z.boolean() })
  }
} as const

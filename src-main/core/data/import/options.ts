/**
 * What an import may be told, declared once: the contract re-exports these schemas (the API
 * validates against them) and the importer reads the inferred types. Also the column roles a
 * version records, and the sampling-interval syntax of `--interval`.
 *
 * Also the shapes of what the import says about columns: label-like warnings and the preview.
 *
 * Column roles: every column of the imported files has exactly one.
 * - `feature`: a model input (Float32);
 * - `label`: the 0/1 anomaly label (at most one; none = the version is unlabelled);
 * - `type`: the anomaly type name of labelled rows (at most one);
 * - `extra-label`: another 0/1 label kept beside the label (e.g. `changepoint`), never an input;
 * - `ignored`: not read and not stored (a text column, an id, a leak);
 * - `timestamp`: time of each row (at most one; none = rows are numbered, see `intervalMs`);
 * - `entity`: rows grouped into one segment per value (at most one).
 */
import { z } from 'zod'
import { MISSING_RULES } from '../missing-values'

export const COLUMN_ROLES = ['feature', 'label', 'type', 'extra-label', 'ignored', 'timestamp', 'entity'] as const
export const columnRoleSchema = z.enum(COLUMN_ROLES)
export type ColumnRole = z.infer<typeof columnRoleSchema>

/** One column of a version and its role, in the files' column order. */
export const columnRoleEntrySchema = z.object({ name: z.string(), role: columnRoleSchema }).strict()
export type ColumnRoleEntry = z.infer<typeof columnRoleEntrySchema>

/** File extensions an import reads (a folder's other files are skipped and counted). */
export const IMPORTABLE_EXTENSIONS = ['.csv', '.tsv', '.txt', '.parquet'] as const

/** Longest declared sampling interval: a year. A longer "interval" is a typo (ms for s...). */
export const MAX_INTERVAL_MS = 366 * 86_400_000

/** A column named for a role: a name, or null for "no such column" (nothing is guessed then). */
const roleColumn = z.string().min(1).max(1000).nullable().optional()
const columnList = z.array(z.string().min(1).max(1000)).max(10_000).optional()

export const importOptionsSchema = z
  .object({
    /** The 0/1 label column; null: none (the version is unlabelled). Default: guessed by name. */
    labelColumn: roleColumn,
    /** The timestamp column; null: none (rows are numbered). Default: guessed by name or content. */
    timestampColumn: roleColumn,
    /** The entity column (one segment per entity); null: none. Default: a column named `entity`. */
    entityColumn: roleColumn,
    /** The anomaly type column; null: none. Default: `anomaly_type` or `type`. */
    typeColumn: roleColumn,
    /** Further 0/1 label columns, kept as labels beside the label and never used as inputs. */
    extraLabelColumns: columnList,
    /** Columns neither read nor stored. */
    ignoreColumns: columnList,
    /**
     * The sampling step (ms) of files without a timestamp column: row k of each file (or entity)
     * is at k x intervalMs. Refused for files that have a timestamp column.
     */
    intervalMs: z.number().positive().max(MAX_INTERVAL_MS).optional(),
    /** Name of the dataset (default: the folder's name, or the file's). */
    name: z.string().min(1).max(200).optional(),
    /**
     * Missing feature cells (blank, NaN, NA, null): `refuse` them, or fill them by
     * `forward-fill` (the default) or `interpolate`, within each file or entity. The rule and the
     * cells filled are recorded in the version's params and said in the job's last message.
     */
    missing: z.enum(MISSING_RULES).optional()
  })
  .strict()
export type ImportOptions = z.infer<typeof importOptionsSchema>

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, min: 60_000, h: 3_600_000, d: 86_400_000 }

/**
 * A sampling interval as milliseconds: a number with a unit (`ms`, `s`, `m`/`min`, `h`, `d`), or
 * a plain number of milliseconds. Throws a message saying what is accepted.
 * @example parseInterval('5m') // 300000
 * @example parseInterval('30s') // 30000
 * @example parseInterval('1.5h') // 5400000
 * @example parseInterval('250') // 250
 */
export function parseInterval(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*(ms|s|m|min|h|d)?\s*$/i.exec(text)
  const ms = m ? Number(m[1]) * UNIT_MS[(m[2] ?? 'ms').toLowerCase()] : NaN
  if (!(ms > 0)) throw new Error(`'${text}' is not an interval: give a positive number with a unit, e.g. 5m, 30s, 1h, 250ms (a plain number is milliseconds)`)
  if (ms > MAX_INTERVAL_MS) throw new Error(`'${text}' is longer than a year: is the unit right? (5m, 30s, 1h, 250ms)`)
  return ms
}

// ---------------------------------------------------------------------------------------------
// What the import says about columns (label-like.ts) and before it runs (preview.ts)

export const labelLikeColumnSchema = z.object({
  column: z.string(),
  /** The column's distinct values, ascending. */
  values: z.array(z.number()),
  /** The value most rows hold. */
  common: z.number(),
  /** Rows not at the common value. */
  marked: z.number().int(),
  /** Share of the marked rows that are anomalous, and of the other rows. */
  anomalousMarked: z.number(),
  anomalousOther: z.number(),
  /** Share of the marked rows within one row of a change of the label. */
  onEdges: z.number(),
  /** Why it looks like a label: its marked rows are mostly anomalous, or sit where anomalies start and end. */
  reason: z.enum(['anomalous', 'edges']),
  /** What is wrong and how to fix it, in words (options named by their CLI flag). */
  message: z.string()
})
export type LabelLikeColumn = z.infer<typeof labelLikeColumnSchema>

/** What a column's sampled cells are: 0/1 (`binary`), integers, other numbers, dates, text, nothing. */
export const COLUMN_KINDS = ['binary', 'integer', 'number', 'date', 'text', 'empty'] as const

/** What an import would do (preview.ts), from the first file's first rows. */
export const importPreviewSchema = z.object({
  /** The files the import would read with their segment names (the first 200). */
  files: z.array(z.object({ path: z.string(), segment: z.string() })),
  fileCount: z.number().int(),
  /** The dataset's name unless one is given. */
  defaultName: z.string(),
  format: z.enum(['csv', 'parquet']),
  /** CSV: the delimiter found. */
  delimiter: z.string().nullable(),
  /** CSV: whether the first row is a header. */
  header: z.boolean(),
  /** The first file's columns in file order: the role the import would give each, what the sample holds. */
  columns: z.array(
    z.object({
      name: z.string(),
      role: columnRoleSchema,
      /** What the sampled cells are: 0/1 (`binary`), integers, other numbers, dates, text, nothing. */
      kind: z.enum(COLUMN_KINDS),
      /** A few distinct sampled values. */
      examples: z.array(z.string())
    })
  ),
  /** The first rows of the first file, cells as text (escaped, cut). */
  rows: z.array(z.array(z.string())),
  /** Rows the sample holds (what kinds and warnings are judged on). */
  sampleRows: z.number().int(),
  /** Feature columns that look like a label, on the sample. */
  labelLike: z.array(labelLikeColumnSchema),
  warnings: z.array(z.string()),
  /** Why the options cannot apply (an unknown column, a column given two roles); the roles shown are then the guesses. */
  problem: z.string().nullable()
})
export type ImportPreview = z.infer<typeof importPreviewSchema>


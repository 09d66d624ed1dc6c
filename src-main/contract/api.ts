/**
 * The one API contract: every method and event the workbench exposes, with zod schemas.
 *
 * The host (`src-main/host`) implements it; the Electron IPC bridge and the WebSocket bridge both
 * validate payloads against it; the renderer imports its *types* only (it never re-validates what
 * the host already checked). Adding a method = one entry in `methods`, one handler in the host.
 */
import { z } from 'zod'

export const runStatusSchema = z.enum(['queued', 'running', 'done', 'failed', 'cancelled', 'interrupted'])
export type RunStatus = z.infer<typeof runStatusSchema>

export const confusionSchema = z.object({
  tn: z.number().int(),
  fp: z.number().int(),
  fn: z.number().int(),
  tp: z.number().int()
})
export type Confusion = z.infer<typeof confusionSchema>

/** Test-set (or train-set) metrics of a run; fractions in [0, 1]. */
export const metricsSchema = z.object({
  accuracy: z.number(),
  precision: z.number(),
  recall: z.number(),
  f1: z.number(),
  fpr: z.number(),
  specificity: z.number(),
  fnr: z.number(),
  rocAuc: z.number(),
  averagePrecision: z.number()
})
export type Metrics = z.infer<typeof metricsSchema>

export const targetResultSchema = z.object({
  text: z.string(),
  metric: z.string(),
  op: z.enum(['>=', '>', '<=', '<']),
  value: z.number(),
  actual: z.number().nullable(),
  met: z.boolean()
})
export type TargetResult = z.infer<typeof targetResultSchema>

export const runProgressSchema = z.object({
  stage: z.string(),
  /** 0..1 within the whole run. */
  fraction: z.number(),
  message: z.string(),
  /** Estimated milliseconds left, when the worker can tell. */
  etaMs: z.number().nullable()
})
export type RunProgress = z.infer<typeof runProgressSchema>

export const runSummarySchema = z.object({
  id: z.number().int(),
  experimentId: z.number().int(),
  experimentName: z.string(),
  modelKind: z.string(),
  params: z.record(z.string(), z.unknown()),
  status: runStatusSchema,
  /** Why a run failed, was cancelled or interrupted (null otherwise). */
  statusReason: z.string().nullable(),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  durationMs: z.number().nullable(),
  /** Test metrics once the run is done. */
  metrics: metricsSchema.nullable(),
  targets: z.array(targetResultSchema),
  /** True when every target is met, false when one is not, null before results or with no targets. */
  targetsMet: z.boolean().nullable(),
  /** Live progress while running (null otherwise). */
  progress: runProgressSchema.nullable()
})
export type RunSummary = z.infer<typeof runSummarySchema>

export const datasetRefSchema = z.object({
  role: z.enum(['train', 'test']),
  /** Content hash of the dataset version. */
  id: z.string(),
  name: z.string(),
  rows: z.number().int(),
  columns: z.array(z.string()),
  anomalyRate: z.number(),
  typeCounts: z.record(z.string(), z.number())
})
export type DatasetRef = z.infer<typeof datasetRefSchema>

export const backendInfoSchema = z.object({
  /** The compute backend the run used, e.g. `typed-arrays` (Isolation Forest) or `tfjs-wasm`. */
  name: z.string(),
  /** Why better backends were skipped. */
  skipped: z.array(z.object({ name: z.string(), reason: z.string() }))
})
export type BackendInfo = z.infer<typeof backendInfoSchema>

export const curvesSchema = z.object({
  roc: z.object({ fpr: z.array(z.number()), tpr: z.array(z.number()) }),
  pr: z.object({ recall: z.array(z.number()), precision: z.array(z.number()) }),
  histogram: z.object({ edges: z.array(z.number()), normal: z.array(z.number()), anomalous: z.array(z.number()) })
})
export type Curves = z.infer<typeof curvesSchema>

export const epochSchema = z.object({
  epoch: z.number().int(),
  metrics: z.record(z.string(), z.number()),
  confusion: confusionSchema.nullable()
})
export type Epoch = z.infer<typeof epochSchema>

export const runLogSchema = z.object({
  runId: z.number().int(),
  at: z.string(),
  level: z.enum(['info', 'warn', 'error']),
  message: z.string()
})
export type RunLog = z.infer<typeof runLogSchema>

export const runDetailSchema = runSummarySchema.extend({
  spec: z.unknown(),
  backend: backendInfoSchema.nullable(),
  threshold: z.number().nullable(),
  confusion: confusionSchema.nullable(),
  trainMetrics: metricsSchema.nullable(),
  datasets: z.array(datasetRefSchema),
  /** Per-epoch history (deep models), or checkpoints over the ensemble size (Isolation Forest). */
  epochs: z.array(epochSchema),
  /** What `epochs[].epoch` counts: `epoch`, or `trees` for Isolation Forest. */
  historyAxis: z.enum(['epoch', 'trees']),
  curves: curvesSchema.nullable(),
  recallByType: z.record(z.string(), z.object({ total: z.number(), detected: z.number(), recall: z.number() })),
  logs: z.array(runLogSchema)
})
export type RunDetail = z.infer<typeof runDetailSchema>

export const experimentFileSchema = z.object({
  /** Path relative to the experiments folder. */
  file: z.string(),
  name: z.string().nullable(),
  description: z.string().nullable(),
  modelKind: z.string().nullable(),
  targets: z.array(z.string()),
  /** Why the file cannot be used (parse or schema error with the field path), null when valid. */
  error: z.string().nullable()
})
export type ExperimentFile = z.infer<typeof experimentFileSchema>

export const doctorReportSchema = z.object({
  workbenchVersion: z.string(),
  node: z.object({ version: z.string(), ok: z.boolean(), required: z.string() }),
  tfjs: z.object({
    version: z.string(),
    backend: z.string(),
    candidates: z.array(z.object({ name: z.string(), available: z.boolean(), reason: z.string() }))
  }),
  onnxRuntime: z.object({ version: z.string().nullable(), error: z.string().nullable() }),
  sqlite: z.object({ version: z.string() }),
  electron: z.object({ version: z.string().nullable(), binaryPresent: z.boolean(), detail: z.string() }),
  cpus: z.number().int(),
  workspace: z.string()
})
export type DoctorReport = z.infer<typeof doctorReportSchema>

export const appInfoSchema = z.object({
  version: z.string(),
  workspace: z.string(),
  experimentsDir: z.string(),
  /** Which front door the renderer is talking to. */
  frontDoor: z.enum(['electron', 'web'])
})
export type AppInfo = z.infer<typeof appInfoSchema>

const empty = z.object({}).strict()
const byId = z.object({ id: z.number().int().positive() }).strict()

/** Every API method: name → input and output schema. */
export const methods = {
  'app.info': { input: empty, output: appInfoSchema },
  'doctor.report': { input: empty, output: doctorReportSchema },
  'experiments.list': { input: empty, output: z.array(experimentFileSchema) },
  'runs.list': { input: empty, output: z.array(runSummarySchema) },
  'runs.get': { input: byId, output: runDetailSchema },
  /** Start a run from a spec file (relative to the experiments folder) or an inline spec. */
  'runs.start': {
    input: z.union([z.object({ file: z.string().min(1) }).strict(), z.object({ spec: z.unknown() }).strict()]),
    output: z.object({ runId: z.number().int() })
  },
  'runs.cancel': { input: byId, output: z.object({ cancelled: z.boolean() }) }
} as const satisfies Record<string, { input: z.ZodType; output: z.ZodType }>

/** Every event the host pushes: name → payload schema. */
export const events = {
  /** A run was created, changed status, or made progress (throttled to a few per second). */
  'run.changed': runSummarySchema,
  'run.log': runLogSchema,
  /** A spec file under experiments/ was added, changed or removed. */
  'experiments.changed': z.object({})
} as const satisfies Record<string, z.ZodType>

export type MethodName = keyof typeof methods
export type MethodInput<M extends MethodName> = z.input<(typeof methods)[M]['input']>
export type MethodOutput<M extends MethodName> = z.output<(typeof methods)[M]['output']>
export type EventName = keyof typeof events
export type EventPayload<E extends EventName> = z.output<(typeof events)[E]>

/** Error codes every front door reports the same way. */
export type ApiErrorCode = 'bad_input' | 'not_found' | 'conflict' | 'internal'

export interface ApiErrorShape {
  code: ApiErrorCode
  message: string
  /** Field path for bad input, e.g. `model.params.nEstimators`. */
  path?: string
}

export class ApiError extends Error implements ApiErrorShape {
  readonly code: ApiErrorCode
  readonly path?: string
  constructor(code: ApiErrorCode, message: string, path?: string) {
    super(message)
    this.name = 'ApiError'
    this.code = code
    this.path = path
  }
  toShape(): ApiErrorShape {
    return { code: this.code, message: this.message, ...(this.path ? { path: this.path } : {}) }
  }
}

/** What the renderer talks to, whatever the transport (preload IPC or WebSocket). */
export interface WorkbenchApi {
  call<M extends MethodName>(method: M, input: MethodInput<M>): Promise<MethodOutput<M>>
  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void
}

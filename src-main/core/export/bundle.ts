/**
 * The `workbench-bundle/1` format (DESIGN.md section 5): a folder `<name>-<version>/` with
 * model.onnx, preprocessing.json, model_config.json, metrics.json, golden.json, README.md and
 * manifest.json (sha256 of every other file). Written to a temporary sibling and renamed into
 * place, so a watcher never sees half a bundle; read back only after every checksum matches and
 * no listed path escapes the folder.
 */
import { createHash, randomBytes } from 'node:crypto'
import { closeSync, constants, existsSync, fstatSync, lstatSync, mkdirSync, openSync, readdirSync, readSync, renameSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs'
import { basename, isAbsolute, join, normalize } from 'node:path'
import { z } from 'zod'
import { missingValuesRecordSchema } from '../data/missing-values'
import { postprocessSchema } from '../eval/detector-rules'

export const BUNDLE_FORMAT = 'workbench-bundle/1'

export const BUNDLE_FILES = ['model.onnx', 'preprocessing.json', 'model_config.json', 'metrics.json', 'golden.json', 'README.md'] as const
export type BundleFile = (typeof BUNDLE_FILES)[number]

// Every JSON file of a bundle has one schema, and its TypeScript type is derived from it. Objects
// are loose: a newer workbench may add keys (an older one keeps them and ignores them), but every
// key this version knows is checked, so a bundle that reads here is one this version can use.

const finite = z.number()
const shapeSchema = z.array(z.union([z.number().int().min(1), z.string().min(1)])).min(1)

export const preprocessingSchema = z
  .looseObject({
    /** Feature names in input order: a scored file must have these columns. */
    features: z.array(z.string().min(1)).min(1),
    /** How features are made from raw metrics; for generated data the generator's recipe. */
    featureRecipe: z.string(),
    /** Standard scaler applied to the raw features (also folded into model.onnx's first nodes). */
    scaler: z.looseObject({ kind: z.literal('standard'), mean: z.array(finite), scale: z.array(finite), foldedIntoModel: z.literal(true) }),
    /** Window length (1 = one row per input) and stride used to score a series. */
    window: z.looseObject({ length: z.number().int().min(1), stride: z.number().int().min(1) }),
    input: z.looseObject({ name: z.string().min(1), shape: shapeSchema }),
    /** How missing cells are filled before scoring, as the training data was (absent: the default rule). */
    missingValues: missingValuesRecordSchema.optional(),
    /** Scores smoothed over time (per segment, causally) before the threshold; absent: none. */
    postprocess: postprocessSchema.optional()
  })
  .superRefine((p, ctx) => {
    for (const key of ['mean', 'scale'] as const) {
      if (p.scaler[key].length !== p.features.length) {
        ctx.addIssue({ code: 'custom', path: ['scaler', key], message: `has ${p.scaler[key].length} values for ${p.features.length} features` })
      }
    }
  })
export type Preprocessing = z.infer<typeof preprocessingSchema>

export const modelConfigSchema = z.looseObject({
  kind: z.string().min(1),
  params: z.record(z.string(), z.unknown()),
  /** Decision threshold on the score output (score >= threshold ⇒ anomalous). */
  threshold: finite,
  /** Score bands, e.g. seed 001's normal < 0.3 ≤ borderline < 0.7 ≤ alert. */
  scoreBands: z.array(z.looseObject({ name: z.string().min(1), from: finite })).nullable(),
  outputs: z.array(z.looseObject({ name: z.string().min(1), shape: shapeSchema, description: z.string() })).min(1),
  trainedOn: z.looseObject({ backend: z.string(), workbenchVersion: z.string(), datasetId: z.string().nullable(), datasetName: z.string().nullable() })
})
export type ModelConfig = z.infer<typeof modelConfigSchema>

/** Metric values are numbers; one the run could not compute (an AUC without positives) is null. */
const metricValues = z.record(z.string(), finite.nullable())

export const metricsSchema = z.looseObject({
  test: metricValues.nullable(),
  validationOrTrain: metricValues.nullable().optional(),
  confusion: z.looseObject({ tn: z.number().int().min(0), fp: z.number().int().min(0), fn: z.number().int().min(0), tp: z.number().int().min(0) }).nullable().optional(),
  threshold: finite.nullable().optional(),
  targets: z.array(z.looseObject({ text: z.string(), actual: finite.nullable(), met: z.boolean() })).optional(),
  targetsMet: z.boolean().nullable()
})
export type BundleMetrics = z.infer<typeof metricsSchema>

export const goldenSchema = z
  .looseObject({
    /** Flattened Float32 inputs, `count` rows of the input shape. */
    count: z.number().int().min(1),
    shape: z.array(z.number().int().min(1)).min(1),
    inputs: z.array(finite),
    /** Output name → the outputs the trained model gave (flattened). */
    outputs: z.record(z.string(), z.array(finite)),
    tolerance: finite.min(0)
  })
  .superRefine((g, ctx) => {
    const size = g.shape.reduce((a, b) => a * b, 1)
    if (g.shape[0] !== g.count) ctx.addIssue({ code: 'custom', path: ['shape', 0], message: `is ${g.shape[0]}, but count is ${g.count}` })
    if (g.inputs.length !== size) ctx.addIssue({ code: 'custom', path: ['inputs'], message: `has ${g.inputs.length} values, the shape [${g.shape.join(', ')}] needs ${size}` })
  })
export type Golden = z.infer<typeof goldenSchema>

export const manifestSchema = z.looseObject({
  format: z.literal(BUNDLE_FORMAT),
  name: z.string().min(1),
  version: z.string().min(1),
  created: z.string(),
  workbenchVersion: z.string(),
  runId: z.number().int().positive().nullable(),
  datasetHash: z.string().nullable(),
  files: z.record(z.string(), z.looseObject({ sha256: z.string().regex(/^[0-9a-f]{64}$/, 'expected a sha256 (64 hex digits)'), bytes: z.number().int().min(0) }))
})
export type Manifest = z.infer<typeof manifestSchema>

/** The JSON files of a bundle and the schema each must match. */
const JSON_FILES = {
  'preprocessing.json': preprocessingSchema,
  'model_config.json': modelConfigSchema,
  'metrics.json': metricsSchema,
  'golden.json': goldenSchema
} as const

export interface BundleContents {
  onnx: Uint8Array
  preprocessing: Preprocessing
  modelConfig: ModelConfig
  metrics: BundleMetrics
  golden: Golden
  readme: string
}

/** A bundle's contents without the model bytes: what listing a library needs. */
export type BundleDescription = Omit<BundleContents, 'onnx'>

/** ONNX models are protobuf messages, which cannot exceed 2 GiB: a larger model.onnx is not one. */
const MAX_ONNX_BYTES = 2 ** 31
/**
 * Every other file is parsed in memory. The largest one this workbench writes is golden.json (8
 * windows of raw features: kilobytes); 64 MiB leaves room for much bigger models while keeping a
 * hostile bundle from filling the memory of the process that lists it.
 */
const MAX_TEXT_BYTES = 64 * 2 ** 20
/** Files whose bytes are not needed are hashed in chunks of this size. */
const HASH_CHUNK_BYTES = 2 ** 20
/** Opening a file never follows a symbolic link where the platform can refuse it (not on Windows). */
const NO_FOLLOW = constants.O_NOFOLLOW ?? 0

export function sha256(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex')
}

/** Folder name of a bundle: `<name>-<version>`, with anything but [A-Za-z0-9._-] replaced. */
export function bundleFolderName(name: string, version: string): string {
  return `${name}-${version}`.replace(/[^A-Za-z0-9._-]+/g, '_')
}

export class BundleError extends Error {
  constructor(
    readonly bundle: string,
    reason: string
  ) {
    super(`${bundle}: ${reason}`)
    this.name = 'BundleError'
  }
}

/** `file: field: message` for the first problems a schema found (the field path dotted). */
function schemaProblem(file: string, error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((i) => `${file}: ${i.path.length ? i.path.map(String).join('.') : '(the whole file)'}: ${i.message}`)
    .join('; ')
}

/** Parses one JSON file of a bundle against its schema; BundleError names the folder, file and field. */
function parseJson<T>(where: string, file: string, text: string, schema: z.ZodType<T>): T {
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch (err) {
    throw new BundleError(where, `${file} is not JSON: ${(err as Error).message}`)
  }
  const parsed = schema.safeParse(raw)
  if (!parsed.success) throw new BundleError(where, schemaProblem(file, parsed.error))
  return parsed.data
}

/**
 * Writes the bundle into `<parent>/<name>-<version>/` atomically: every file goes into a hidden
 * temporary sibling first, then one rename publishes it. Refuses to replace an existing bundle,
 * and refuses contents that would not read back (a NaN turned into null by JSON, say) before
 * writing anything.
 */
export function writeBundle(
  parent: string,
  meta: { name: string; version: string; workbenchVersion: string; runId: number | null; datasetHash: string | null },
  c: BundleContents
): { dir: string; manifest: Manifest } {
  const dir = join(parent, bundleFolderName(meta.name, meta.version))
  const files: Record<BundleFile, Uint8Array | string> = {
    'model.onnx': c.onnx,
    'preprocessing.json': JSON.stringify(c.preprocessing, null, 2) + '\n',
    'model_config.json': JSON.stringify(c.modelConfig, null, 2) + '\n',
    'metrics.json': JSON.stringify(c.metrics, null, 2) + '\n',
    'golden.json': JSON.stringify(c.golden) + '\n',
    'README.md': c.readme
  }
  for (const [name, schema] of Object.entries(JSON_FILES)) parseJson(dir, name, files[name as BundleFile] as string, schema as z.ZodType)
  mkdirSync(parent, { recursive: true })
  if (existsSync(dir)) throw new Error(`a bundle already exists at ${dir}`)
  const tmp = join(parent, `.tmp-${basename(dir)}-${randomBytes(4).toString('hex')}`)
  mkdirSync(tmp)
  try {
    const listed: Manifest['files'] = {}
    for (const [name, data] of Object.entries(files)) {
      writeFileSync(join(tmp, name), data)
      listed[name] = { sha256: sha256(data), bytes: typeof data === 'string' ? Buffer.byteLength(data) : data.byteLength }
    }
    const manifest: Manifest = {
      format: BUNDLE_FORMAT,
      name: meta.name,
      version: meta.version,
      created: new Date().toISOString(),
      workbenchVersion: meta.workbenchVersion,
      runId: meta.runId,
      datasetHash: meta.datasetHash,
      files: listed
    }
    writeFileSync(join(tmp, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n')
    renameSync(tmp, dir)
    return { dir, manifest }
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true })
    throw err
  }
}

/** A listed path must be a plain file name inside the bundle: no folders, no `..`, not absolute. */
function safeName(name: string): boolean {
  return !isAbsolute(name) && !name.includes('/') && !name.includes('\\') && name !== '..' && name !== '.' && normalize(name) === name && !name.startsWith('.')
}

/**
 * Opens a file of the bundle for reading, refusing anything but a regular file: a symbolic link
 * could point anywhere (checked with lstat for a clear message, then by opening with O_NOFOLLOW
 * so a link swapped in between is refused too), and a size above `maxBytes` is refused unread.
 */
function openPlainFile(where: string, dir: string, name: string, maxBytes: number): { fd: number; bytes: number } {
  const file = join(dir, name)
  let st
  try {
    st = lstatSync(file)
  } catch {
    throw new BundleError(where, `${name} is missing`)
  }
  if (st.isSymbolicLink()) throw new BundleError(where, `${name} is a symbolic link: refused (it could point outside the bundle)`)
  if (!st.isFile()) throw new BundleError(where, `${name} is not a plain file`)
  let fd: number
  try {
    fd = openSync(file, constants.O_RDONLY | NO_FOLLOW)
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    throw new BundleError(where, code === 'ELOOP' ? `${name} is a symbolic link: refused (it could point outside the bundle)` : `${name} cannot be read (${code ?? (err as Error).message})`)
  }
  const opened = fstatSync(fd)
  const bytes = opened.size
  if (!opened.isFile()) {
    closeSync(fd)
    throw new BundleError(where, `${name} is not a plain file`)
  }
  if (bytes > maxBytes) {
    closeSync(fd)
    throw new BundleError(where, `${name} is ${bytes} bytes, more than the ${maxBytes} a bundle's ${name.endsWith('.onnx') ? 'model can be (protobuf limit)' : 'text files may hold'}: refused`)
  }
  return { fd, bytes }
}

/** Reads all of an open file (its size known), then closes it. */
function readAll(fd: number, bytes: number): Buffer {
  try {
    const buf = Buffer.alloc(bytes)
    let at = 0
    while (at < bytes) {
      const n = readSync(fd, buf, at, bytes - at, null)
      if (n === 0) break
      at += n
    }
    return at === bytes ? buf : buf.subarray(0, at)
  } finally {
    closeSync(fd)
  }
}

/**
 * sha256 and length of an open file, read in chunks (the bytes are not kept; written to `copyTo`
 * when given), then closes it.
 */
function hashAll(fd: number, copyTo?: string): { sha256: string; bytes: number } {
  const out = copyTo ? openSync(copyTo, 'wx') : null
  try {
    const hash = createHash('sha256')
    const chunk = Buffer.alloc(HASH_CHUNK_BYTES)
    let total = 0
    for (let n = readSync(fd, chunk, 0, chunk.length, null); n > 0; n = readSync(fd, chunk, 0, chunk.length, null)) {
      hash.update(chunk.subarray(0, n))
      if (out !== null) writeSync(out, chunk, 0, n)
      total += n
    }
    return { sha256: hash.digest('hex'), bytes: total }
  } finally {
    closeSync(fd)
    if (out !== null) closeSync(out)
  }
}

/**
 * Checks a bundle folder and reads what is asked of it: the manifest (a plain file, matching its
 * schema), every listed name a plain file name, every required file listed, every listed file a
 * plain file of the listed size and sha256, every JSON file matching its schema. The bytes that
 * were checked are the bytes returned (nothing is read twice). Files not kept (`keep` false) are
 * hashed in chunks, so checking a bundle never holds its model in memory unless asked to; with
 * `copyInto`, every file is also written there as it is read (the copy is of the checked bytes).
 */
function checkBundle(dir: string, keep: (name: string) => boolean, copyInto?: string): { manifest: Manifest; raw: Map<string, Buffer> } {
  const where = dir
  let isDir = false
  try {
    isDir = statSync(dir).isDirectory()
  } catch {
    isDir = false
  }
  if (!isDir) throw new BundleError(where, 'not a bundle folder')
  const m = openPlainFile(where, dir, 'manifest.json', MAX_TEXT_BYTES)
  const manifestRaw = readAll(m.fd, m.bytes)
  let json: unknown
  try {
    json = JSON.parse(manifestRaw.toString('utf8'))
  } catch (err) {
    throw new BundleError(where, `manifest.json is not JSON (${(err as Error).message})`)
  }
  const format = (json as { format?: unknown } | null)?.format
  if (format !== BUNDLE_FORMAT) throw new BundleError(where, `unknown format '${String(format)}' (expected ${BUNDLE_FORMAT})`)
  const files = (json as { files?: unknown }).files
  if (!files || typeof files !== 'object') throw new BundleError(where, 'manifest.json lists no files')
  // Names first: an escaping path is the reason to give, whatever else is wrong with its entry.
  for (const name of Object.keys(files)) {
    if (!safeName(name)) throw new BundleError(where, `manifest lists '${name}', a path outside the bundle folder: refused`)
  }
  const parsed = manifestSchema.safeParse(json)
  if (!parsed.success) throw new BundleError(where, schemaProblem('manifest.json', parsed.error))
  const manifest = parsed.data
  for (const required of BUNDLE_FILES) {
    if (!manifest.files[required]) throw new BundleError(where, `manifest does not list ${required}`)
  }
  const raw = new Map<string, Buffer>([['manifest.json', manifestRaw]])
  for (const [name, expected] of Object.entries(manifest.files)) {
    const f = openPlainFile(where, dir, name, name === 'model.onnx' ? MAX_ONNX_BYTES : keep(name) ? MAX_TEXT_BYTES : Number.MAX_SAFE_INTEGER)
    if (f.bytes !== expected.bytes) {
      closeSync(f.fd)
      throw new BundleError(where, `${name} is ${f.bytes} bytes, the manifest says ${expected.bytes} (truncated or altered)`)
    }
    let got: { sha256: string; bytes: number }
    if (keep(name)) {
      const buf = readAll(f.fd, f.bytes)
      got = { sha256: sha256(buf), bytes: buf.byteLength }
      raw.set(name, buf)
      if (copyInto) writeFileSync(join(copyInto, name), buf)
    } else got = hashAll(f.fd, copyInto && join(copyInto, name))
    if (got.bytes !== expected.bytes) throw new BundleError(where, `${name} is ${got.bytes} bytes, the manifest says ${expected.bytes} (truncated or altered)`)
    if (got.sha256 !== expected.sha256) throw new BundleError(where, `${name} does not match its sha256 in the manifest (tampered or corrupted)`)
  }
  return { manifest, raw }
}

function describeFrom(where: string, raw: Map<string, Buffer>): BundleDescription {
  const text = (name: BundleFile) => raw.get(name)!.toString('utf8')
  return {
    preprocessing: parseJson(where, 'preprocessing.json', text('preprocessing.json'), preprocessingSchema),
    modelConfig: parseJson(where, 'model_config.json', text('model_config.json'), modelConfigSchema),
    metrics: parseJson(where, 'metrics.json', text('metrics.json'), metricsSchema),
    golden: parseJson(where, 'golden.json', text('golden.json'), goldenSchema),
    readme: text('README.md')
  }
}

/**
 * Checks a bundle (see checkBundle) and reads everything but the model: what listing a library
 * needs, without holding every model in memory. Throws BundleError with the reason.
 */
export function inspectBundle(dir: string): { manifest: Manifest; description: BundleDescription } {
  const { manifest, raw } = checkBundle(dir, (name) => name !== 'model.onnx' && (BUNDLE_FILES as readonly string[]).includes(name))
  return { manifest, description: describeFrom(dir, raw) }
}

/**
 * Reads and checks a bundle: the manifest's format and schema, every listed file present as a
 * plain file with the right size and sha256, every required file listed, no path escaping the
 * folder, every JSON file matching its schema. Throws BundleError with the reason otherwise.
 */
export function readBundle(dir: string): { manifest: Manifest; contents: BundleContents } {
  const { manifest, raw } = checkBundle(dir, (name) => (BUNDLE_FILES as readonly string[]).includes(name))
  return { manifest, contents: { onnx: new Uint8Array(raw.get('model.onnx')!), ...describeFrom(dir, raw) } }
}

/** Bundle folders directly inside `parent` (temporary siblings excluded). */
export function listBundleDirs(parent: string): string[] {
  if (!existsSync(parent)) return []
  return readdirSync(parent, { withFileTypes: true })
    .filter((d) => d.isDirectory() && !d.name.startsWith('.') && existsSync(join(parent, d.name, 'manifest.json')))
    .map((d) => join(parent, d.name))
}

/**
 * Copies a checked bundle into `parent` (atomically, like writeBundle); returns its new folder.
 * The bytes written are the bytes that were checked, so a file swapped after the check is not
 * copied; a bundle that fails its check leaves nothing behind.
 */
export function copyBundle(src: string, parent: string): string {
  mkdirSync(parent, { recursive: true })
  const dir = join(parent, basename(src))
  if (existsSync(dir)) throw new Error(`a bundle already exists at ${dir}`)
  const tmp = join(parent, `.tmp-${basename(src)}-${randomBytes(4).toString('hex')}`)
  mkdirSync(tmp)
  try {
    // The model streams from the source into the copy; the small files are read, copied and
    // checked against their schemas, so what lands in the library is what was checked.
    const { raw } = checkBundle(src, (name) => name !== 'model.onnx' && (BUNDLE_FILES as readonly string[]).includes(name), tmp)
    describeFrom(src, raw)
    writeFileSync(join(tmp, 'manifest.json'), raw.get('manifest.json')!)
    renameSync(tmp, dir)
    return dir
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true })
    throw err
  }
}

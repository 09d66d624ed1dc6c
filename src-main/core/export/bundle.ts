/**
 * The `workbench-bundle/1` format (DESIGN.md section 5): a folder `<name>-<version>/` with
 * model.onnx, preprocessing.json, model_config.json, metrics.json, golden.json, README.md and
 * manifest.json (sha256 of every other file). Written to a temporary sibling and renamed into
 * place, so a watcher never sees half a bundle; read back only after every checksum matches and
 * no listed path escapes the folder.
 */
import { createHash, randomBytes } from 'node:crypto'
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { basename, dirname, isAbsolute, join, normalize, sep } from 'node:path'

export const BUNDLE_FORMAT = 'workbench-bundle/1'

export const BUNDLE_FILES = ['model.onnx', 'preprocessing.json', 'model_config.json', 'metrics.json', 'golden.json', 'README.md'] as const
export type BundleFile = (typeof BUNDLE_FILES)[number]

export interface Preprocessing {
  /** Feature names in input order: a scored file must have these columns. */
  features: string[]
  /** How features are made from raw metrics; for generated data the generator's recipe. */
  featureRecipe: string
  /** Standard scaler applied to the raw features (also folded into model.onnx's first nodes). */
  scaler: { kind: 'standard'; mean: number[]; scale: number[]; foldedIntoModel: true }
  /** Window length (1 = one row per input) and stride used to score a series. */
  window: { length: number; stride: number }
  input: { name: string; shape: (number | string)[] }
}

export interface ModelConfig {
  kind: string
  params: Record<string, unknown>
  /** Decision threshold on the score output (score >= threshold ⇒ anomalous). */
  threshold: number
  /** Score bands, e.g. seed 001's normal < 0.3 ≤ borderline < 0.7 ≤ alert. */
  scoreBands: { name: string; from: number }[] | null
  outputs: { name: string; shape: (number | string)[]; description: string }[]
  trainedOn: { backend: string; workbenchVersion: string; datasetId: string | null; datasetName: string | null }
}

export interface Golden {
  /** Flattened Float32 inputs, `count` rows of the input shape. */
  count: number
  shape: number[]
  inputs: number[]
  /** Output name → the outputs the trained model gave (flattened). */
  outputs: Record<string, number[]>
  tolerance: number
}

export interface Manifest {
  format: typeof BUNDLE_FORMAT
  name: string
  version: string
  created: string
  workbenchVersion: string
  runId: number | null
  datasetHash: string | null
  files: Record<string, { sha256: string; bytes: number }>
}

export interface BundleContents {
  onnx: Uint8Array
  preprocessing: Preprocessing
  modelConfig: ModelConfig
  metrics: Record<string, unknown>
  golden: Golden
  readme: string
}

export function sha256(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex')
}

/** Folder name of a bundle: `<name>-<version>`, with anything but [A-Za-z0-9._-] replaced. */
export function bundleFolderName(name: string, version: string): string {
  return `${name}-${version}`.replace(/[^A-Za-z0-9._-]+/g, '_')
}

/**
 * Writes the bundle into `<parent>/<name>-<version>/` atomically: every file goes into a hidden
 * temporary sibling first, then one rename publishes it. Refuses to replace an existing bundle.
 */
export function writeBundle(
  parent: string,
  meta: { name: string; version: string; workbenchVersion: string; runId: number | null; datasetHash: string | null },
  c: BundleContents
): { dir: string; manifest: Manifest } {
  mkdirSync(parent, { recursive: true })
  const dir = join(parent, bundleFolderName(meta.name, meta.version))
  if (existsSync(dir)) throw new Error(`a bundle already exists at ${dir}`)
  const tmp = join(parent, `.tmp-${basename(dir)}-${randomBytes(4).toString('hex')}`)
  mkdirSync(tmp)
  try {
    const files: Record<BundleFile, Uint8Array | string> = {
      'model.onnx': c.onnx,
      'preprocessing.json': JSON.stringify(c.preprocessing, null, 2) + '\n',
      'model_config.json': JSON.stringify(c.modelConfig, null, 2) + '\n',
      'metrics.json': JSON.stringify(c.metrics, null, 2) + '\n',
      'golden.json': JSON.stringify(c.golden) + '\n',
      'README.md': c.readme
    }
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

export class BundleError extends Error {
  constructor(
    readonly bundle: string,
    reason: string
  ) {
    super(`${bundle}: ${reason}`)
    this.name = 'BundleError'
  }
}

/** A listed path must be a plain file name inside the bundle: no folders, no `..`, not absolute. */
function safeName(name: string): boolean {
  return !isAbsolute(name) && !name.includes('/') && !name.includes('\\') && name !== '..' && name !== '.' && normalize(name) === name && !name.startsWith('.')
}

/**
 * Reads and checks a bundle: the manifest's format, every listed file present with the right
 * size and sha256, every required file listed, no path escaping the folder. Throws BundleError
 * with the reason otherwise.
 */
export function readBundle(dir: string): { manifest: Manifest; contents: BundleContents } {
  const where = dir
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new BundleError(where, 'not a bundle folder')
  let manifest: Manifest
  try {
    manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Manifest
  } catch (err) {
    throw new BundleError(where, `manifest.json is missing or not JSON (${(err as Error).message})`)
  }
  if (manifest.format !== BUNDLE_FORMAT) throw new BundleError(where, `unknown format '${String(manifest.format)}' (expected ${BUNDLE_FORMAT})`)
  if (!manifest.files || typeof manifest.files !== 'object') throw new BundleError(where, 'manifest.json lists no files')
  for (const name of Object.keys(manifest.files)) {
    if (!safeName(name)) throw new BundleError(where, `manifest lists '${name}', a path outside the bundle folder: refused`)
  }
  for (const required of BUNDLE_FILES) {
    if (!manifest.files[required]) throw new BundleError(where, `manifest does not list ${required}`)
  }
  const data: Record<string, Buffer> = {}
  for (const [name, expected] of Object.entries(manifest.files)) {
    const file = join(dir, name)
    // A symbolic link could point anywhere: only plain files count.
    if (!existsSync(file)) throw new BundleError(where, `${name} is missing`)
    const st = lstatSync(file)
    if (st.isSymbolicLink()) throw new BundleError(where, `${name} is a symbolic link: refused (it could point outside the bundle)`)
    if (!st.isFile()) throw new BundleError(where, `${name} is not a plain file`)
    const buf = readFileSync(file)
    if (buf.byteLength !== expected.bytes) throw new BundleError(where, `${name} is ${buf.byteLength} bytes, the manifest says ${expected.bytes} (truncated or altered)`)
    if (sha256(buf) !== expected.sha256) throw new BundleError(where, `${name} does not match its sha256 in the manifest (tampered or corrupted)`)
    data[name] = buf
  }
  const json = <T>(name: BundleFile): T => {
    try {
      return JSON.parse(data[name].toString('utf8')) as T
    } catch (err) {
      throw new BundleError(where, `${name} is not JSON: ${(err as Error).message}`)
    }
  }
  return {
    manifest,
    contents: {
      onnx: new Uint8Array(data['model.onnx']),
      preprocessing: json<Preprocessing>('preprocessing.json'),
      modelConfig: json<ModelConfig>('model_config.json'),
      metrics: json<Record<string, unknown>>('metrics.json'),
      golden: json<Golden>('golden.json'),
      readme: data['README.md'].toString('utf8')
    }
  }
}

/** Bundle folders directly inside `parent` (temporary siblings excluded). */
export function listBundleDirs(parent: string): string[] {
  if (!existsSync(parent)) return []
  return readdirSync(parent, { withFileTypes: true })
    .filter((d) => d.isDirectory() && !d.name.startsWith('.') && existsSync(join(parent, d.name, 'manifest.json')))
    .map((d) => join(parent, d.name))
}

/** Copies a checked bundle into `parent` (atomically, like writeBundle); returns its new folder. */
export function copyBundle(src: string, parent: string): string {
  const { manifest } = readBundle(src)
  mkdirSync(parent, { recursive: true })
  const dir = join(parent, basename(src))
  if (existsSync(dir)) throw new Error(`a bundle already exists at ${dir}`)
  const tmp = join(parent, `.tmp-${basename(src)}-${randomBytes(4).toString('hex')}`)
  mkdirSync(tmp)
  try {
    for (const name of [...Object.keys(manifest.files), 'manifest.json']) writeFileSync(join(tmp, name), readFileSync(join(src, name)))
    renameSync(tmp, dir)
    return dir
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true })
    throw err
  }
}

export function isInside(parent: string, child: string): boolean {
  const p = normalize(parent) + sep
  return normalize(child).startsWith(p) || dirname(normalize(child)) === normalize(parent)
}

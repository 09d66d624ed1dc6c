/**
 * The bundle format: atomic write, checksums, refusal of tampered, truncated or escaping bundles,
 * and every file checked against its schema (errors name the bundle, the file and the field).
 */
import { describe, it, expect, beforeEach, afterEach } from 'vitest'
import { mkdtempSync, rmSync, writeFileSync, readFileSync, readdirSync, appendFileSync, symlinkSync, truncateSync, renameSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { writeBundle, readBundle, inspectBundle, listBundleDirs, copyBundle, sha256, BundleError, type BundleContents } from '../../src-main/core/export/bundle'
import { rerunGolden } from '../../src-main/core/export/score-bundle'

let dir: string
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'wb-bundle-'))
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

const contents = (): BundleContents => ({
  onnx: new Uint8Array([8, 1, 2, 3, 4, 5]),
  preprocessing: { features: ['a', 'b'], featureRecipe: 'as is', scaler: { kind: 'standard', mean: [0, 1], scale: [1, 2], foldedIntoModel: true }, window: { length: 1, stride: 1 }, input: { name: 'input', shape: ['batch', 2] } },
  modelConfig: { kind: 'iforest', params: {}, threshold: 0.5, scoreBands: null, outputs: [{ name: 'score', shape: ['batch', 1], description: 'score' }], trainedOn: { backend: 'x', workbenchVersion: '0', datasetId: null, datasetName: null } },
  metrics: { test: { precision: 0.9, auc: null }, targetsMet: null },
  golden: { count: 1, shape: [1, 2], inputs: [0, 0], outputs: { score: [0.4] }, tolerance: 1e-4 },
  readme: '# card\n'
})

const meta = { name: 'demo', version: 'v1', workbenchVersion: '0.1.0', runId: 3, datasetHash: 'abc' }

/** Rewrites one file of a bundle and re-signs it in the manifest: only the schema can refuse it then. */
function resign(bundle: string, file: string, edit: (text: string) => string): void {
  const text = edit(readFileSync(join(bundle, file), 'utf8'))
  writeFileSync(join(bundle, file), text)
  const m = JSON.parse(readFileSync(join(bundle, 'manifest.json'), 'utf8'))
  m.files[file] = { sha256: sha256(text), bytes: Buffer.byteLength(text) }
  writeFileSync(join(bundle, 'manifest.json'), JSON.stringify(m))
}
/** A literal string as a RegExp source. */
const literal = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
const editJson = (f: (o: Record<string, any>) => void) => (text: string) => {
  const o = JSON.parse(text)
  f(o)
  return JSON.stringify(o)
}

describe('bundles', () => {
  it('writes every file with its checksum, atomically, and reads it back', () => {
    const { dir: b, manifest } = writeBundle(dir, meta, contents())
    expect(b).toBe(join(dir, 'demo-v1'))
    expect(readdirSync(dir)).toEqual(['demo-v1']) // no temporary sibling left
    expect(Object.keys(manifest.files).sort()).toEqual(['README.md', 'golden.json', 'metrics.json', 'model.onnx', 'model_config.json', 'preprocessing.json'])
    const back = readBundle(b)
    expect(back.manifest).toMatchObject({ format: 'workbench-bundle/1', name: 'demo', version: 'v1', runId: 3, datasetHash: 'abc' })
    expect(Array.from(back.contents.onnx)).toEqual([8, 1, 2, 3, 4, 5])
    expect(listBundleDirs(dir)).toEqual([b])
    expect(() => writeBundle(dir, meta, contents())).toThrow(/already exists/)
  })

  it('refuses a tampered file, naming it', () => {
    const { dir: b } = writeBundle(dir, meta, contents())
    const f = join(b, 'model_config.json')
    writeFileSync(f, readFileSync(f, 'utf8').replace('0.5', '0.9'))
    expect(() => readBundle(b)).toThrow(/model_config\.json does not match its sha256/)
  })

  it('refuses a truncated or grown file, and a missing one', () => {
    const { dir: b } = writeBundle(dir, meta, contents())
    truncateSync(join(b, 'model.onnx'), 3)
    expect(() => readBundle(b)).toThrow(/model\.onnx is 3 bytes, the manifest says 6/)
    const { dir: c } = writeBundle(dir, { ...meta, version: 'v2' }, contents())
    appendFileSync(join(c, 'README.md'), 'more')
    expect(() => readBundle(c)).toThrow(/README\.md is .* bytes/)
    const { dir: d } = writeBundle(dir, { ...meta, version: 'v3' }, contents())
    rmSync(join(d, 'golden.json'))
    expect(() => readBundle(d)).toThrow(/golden\.json is missing/)
  })

  it('refuses a manifest that lists a path outside the bundle, or a link', () => {
    const { dir: b } = writeBundle(dir, meta, contents())
    const m = JSON.parse(readFileSync(join(b, 'manifest.json'), 'utf8'))
    m.files['../../etc/passwd'] = { sha256: 'x', bytes: 1 }
    writeFileSync(join(b, 'manifest.json'), JSON.stringify(m))
    expect(() => readBundle(b)).toThrow(BundleError)
    expect(() => readBundle(b)).toThrow(/outside the bundle folder/)
    const { dir: c } = writeBundle(dir, { ...meta, version: 'v2' }, contents())
    rmSync(join(c, 'README.md'))
    symlinkSync('/etc/hostname', join(c, 'README.md'))
    expect(() => readBundle(c)).toThrow(/README\.md is a symbolic link/)
  })

  it('refuses an unknown format and a missing manifest', () => {
    const { dir: b } = writeBundle(dir, meta, contents())
    const m = JSON.parse(readFileSync(join(b, 'manifest.json'), 'utf8'))
    writeFileSync(join(b, 'manifest.json'), JSON.stringify({ ...m, format: 'other/9' }))
    expect(() => readBundle(b)).toThrow(/unknown format 'other\/9'/)
    rmSync(join(b, 'manifest.json'))
    expect(() => readBundle(b)).toThrow(/manifest\.json is missing/)
  })

  it('copies a checked bundle into another library', () => {
    const { dir: b } = writeBundle(join(dir, 'shared'), meta, contents())
    const copy = copyBundle(b, join(dir, 'local'))
    expect(readBundle(copy).manifest.name).toBe('demo')
  })

  it('refuses a non-numeric threshold, naming the bundle folder, model_config.json and the field', () => {
    const { dir: b } = writeBundle(dir, meta, contents())
    resign(b, 'model_config.json', editJson((o) => (o.threshold = 'high')))
    expect(() => readBundle(b)).toThrow(BundleError)
    expect(() => readBundle(b)).toThrow(new RegExp(`^${literal(b)}: model_config\\.json: threshold: .*expected number`))
    expect(() => inspectBundle(b)).toThrow(/model_config\.json: threshold/)
  })

  it('checks every JSON file against its schema, naming the field', () => {
    const cases: [string, (o: Record<string, any>) => void, RegExp][] = [
      ['preprocessing.json', (o) => (o.window.length = 0), /preprocessing\.json: window\.length: /],
      ['preprocessing.json', (o) => (o.scaler.mean = [0]), /preprocessing\.json: scaler\.mean: has 1 values for 2 features/],
      ['golden.json', (o) => (o.inputs = [0]), /golden\.json: inputs: has 1 values, the shape \[1, 2\] needs 2/],
      ['metrics.json', (o) => (o.test = { precision: 'high' }), /metrics\.json: test\.precision: /],
      ['manifest.json', (o) => (o.runId = 'three'), /manifest\.json: runId: /]
    ]
    for (const [k, [file, edit, message]] of cases.entries()) {
      const { dir: b } = writeBundle(dir, { ...meta, version: `case${k}` }, contents())
      if (file === 'manifest.json') writeFileSync(join(b, file), editJson(edit)(readFileSync(join(b, file), 'utf8')))
      else resign(b, file, editJson(edit))
      expect(() => readBundle(b), file).toThrow(message)
    }
  })

  it('accepts unknown extra keys (a newer workbench may add them) and keeps them', () => {
    const { dir: b } = writeBundle(dir, meta, contents())
    resign(b, 'preprocessing.json', editJson((o) => (o.smoothing = { strategy: 'hold-last' })))
    resign(b, 'model_config.json', editJson((o) => (o.calibration = { kind: 'none' })))
    const { contents: c } = readBundle(b)
    expect(c.preprocessing.smoothing).toEqual({ strategy: 'hold-last' })
    expect(c.modelConfig.calibration).toEqual({ kind: 'none' })
  })

  it('refuses a symbolic link in place of manifest.json', () => {
    const { dir: b } = writeBundle(dir, meta, contents())
    renameSync(join(b, 'manifest.json'), join(dir, 'elsewhere.json'))
    symlinkSync(join(dir, 'elsewhere.json'), join(b, 'manifest.json'))
    expect(() => readBundle(b)).toThrow(/manifest\.json is a symbolic link: refused/)
    expect(() => copyBundle(b, join(dir, 'local'))).toThrow(/manifest\.json is a symbolic link/)
    expect(readdirSync(join(dir, 'local'))).toEqual([]) // nothing half-copied
  })

  it('refuses to write contents that would not read back, and writes nothing', () => {
    const c = contents()
    c.modelConfig.threshold = Number.NaN // JSON writes null
    expect(() => writeBundle(dir, meta, c)).toThrow(/model_config\.json: threshold: /)
    expect(existsSync(join(dir, 'demo-v1'))).toBe(false)
    expect(readdirSync(dir)).toEqual([])
  })

  it('names the bundle folder and model.onnx when ONNX Runtime cannot load the model', async () => {
    const { dir: b } = writeBundle(dir, meta, contents()) // model.onnx is six bytes of nothing
    const { contents: c } = readBundle(b)
    await expect(rerunGolden(c, b)).rejects.toThrow(BundleError)
    await expect(rerunGolden(c, b)).rejects.toThrow(new RegExp(`^${literal(b)}: model\\.onnx cannot be loaded by ONNX Runtime: `))
  })
})

/** The bundle format: atomic write, checksums, and refusal of tampered, truncated or escaping bundles. */
import { describe, it, expect, beforeEach, afterEach } from 'vitest'
import { mkdtempSync, rmSync, writeFileSync, readFileSync, readdirSync, appendFileSync, symlinkSync, truncateSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { writeBundle, readBundle, listBundleDirs, copyBundle, BundleError, type BundleContents } from '../../src-main/core/export/bundle'

let dir: string
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'wb-bundle-'))
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

const contents = (): BundleContents => ({
  onnx: new Uint8Array([8, 1, 2, 3, 4, 5]),
  preprocessing: { features: ['a', 'b'], featureRecipe: 'as is', scaler: { kind: 'standard', mean: [0, 1], scale: [1, 2], foldedIntoModel: true }, window: { length: 1, stride: 1 }, input: { name: 'input', shape: ['batch', 2] } },
  modelConfig: { kind: 'iforest', params: {}, threshold: 0.5, scoreBands: null, outputs: [{ name: 'score', shape: ['batch', 1], description: 'score' }], trainedOn: { backend: 'x', workbenchVersion: '0', datasetId: null, datasetName: null } },
  metrics: { test: { precision: 0.9 } },
  golden: { count: 1, shape: [1, 2], inputs: [0, 0], outputs: { score: [0.4] }, tolerance: 1e-4 },
  readme: '# card\n'
})

const meta = { name: 'demo', version: 'v1', workbenchVersion: '0.1.0', runId: 3, datasetHash: 'abc' }

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
})

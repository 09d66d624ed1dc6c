/**
 * A small ONNX graph builder over onnx-proto's generated `onnx.*Proto` types (DESIGN.md section 6:
 * the schema comes from the registry package, never copied into the repo).
 *
 * Targets IR 8, opset ai.onnx 15 and (only when a node of that domain is added) ai.onnx.ml 2:
 * the range the checked ONNX Runtime 1.30 and older deployed runtimes all load.
 *
 * Tensors are written as `raw_data` (little-endian bytes, what the spec prescribes for raw_data),
 * which is compact and avoids protobufjs' Long handling for int64.
 */
import onnxPkg from 'onnx-proto'
import type { onnx as OnnxTypes } from 'onnx-proto'

export const onnx = onnxPkg.onnx

export const IR_VERSION = 8
export const OPSET_ONNX = 15
export const OPSET_ML = 2
export const ML_DOMAIN = 'ai.onnx.ml'

/** TensorProto.DataType values used here. */
export const DataType = { FLOAT: 1, INT64: 7, DOUBLE: 11, BOOL: 9 } as const
export type DataTypeCode = (typeof DataType)[keyof typeof DataType]

/** A dimension: a number, or a name for a symbolic one ('batch'). */
export type Dim = number | string

export type AttrValue =
  | { kind: 'float'; value: number }
  | { kind: 'int'; value: number }
  | { kind: 'string'; value: string }
  | { kind: 'floats'; value: ArrayLike<number> }
  | { kind: 'ints'; value: ArrayLike<number> }
  | { kind: 'strings'; value: string[] }
  | { kind: 'tensor'; value: OnnxTypes.ITensorProto }

/** Plain JS values are mapped by type: number -> int if integral (use attr.float() to force). */
export type AttrInput = AttrValue | number | string | string[]

export const attr = {
  float: (value: number): AttrValue => ({ kind: 'float', value }),
  int: (value: number): AttrValue => ({ kind: 'int', value }),
  string: (value: string): AttrValue => ({ kind: 'string', value }),
  floats: (value: ArrayLike<number>): AttrValue => ({ kind: 'floats', value }),
  ints: (value: ArrayLike<number>): AttrValue => ({ kind: 'ints', value }),
  strings: (value: string[]): AttrValue => ({ kind: 'strings', value }),
  tensor: (value: OnnxTypes.ITensorProto): AttrValue => ({ kind: 'tensor', value })
}

const utf8 = new TextEncoder()
const AT = onnxPkg.onnx.AttributeProto.AttributeType

function toAttribute(name: string, a: AttrInput): OnnxTypes.IAttributeProto {
  const v: AttrValue =
    typeof a === 'number'
      ? Number.isInteger(a)
        ? attr.int(a)
        : attr.float(a)
      : typeof a === 'string'
        ? attr.string(a)
        : Array.isArray(a)
          ? attr.strings(a)
          : a
  switch (v.kind) {
    case 'float':
      return { name, type: AT.FLOAT, f: v.value }
    case 'int':
      return { name, type: AT.INT, i: v.value }
    case 'string':
      return { name, type: AT.STRING, s: utf8.encode(v.value) }
    case 'floats':
      return { name, type: AT.FLOATS, floats: Array.from(v.value) }
    case 'ints':
      return { name, type: AT.INTS, ints: Array.from(v.value) }
    case 'strings':
      return { name, type: AT.STRINGS, strings: v.value.map((s) => utf8.encode(s)) }
    case 'tensor':
      return { name, type: AT.TENSOR, t: v.value }
  }
}

function bytesOf(view: ArrayBufferView): Uint8Array {
  // Typed arrays are little-endian on every platform Node and Electron run on, as raw_data wants.
  return new Uint8Array(view.buffer.slice(view.byteOffset, view.byteOffset + view.byteLength))
}

/** A TensorProto from values (float32, float64 or int64) and dims. */
export function tensorProto(name: string, type: DataTypeCode, dims: number[], values: ArrayLike<number>): OnnxTypes.ITensorProto {
  const count = dims.reduce((a, b) => a * b, 1)
  if (values.length !== count) throw new Error(`tensor '${name}': ${values.length} values for dims [${dims.join(', ')}] (${count})`)
  let raw: Uint8Array
  if (type === DataType.FLOAT) raw = bytesOf(values instanceof Float32Array ? values : Float32Array.from(values))
  else if (type === DataType.DOUBLE) raw = bytesOf(values instanceof Float64Array ? values : Float64Array.from(values))
  else if (type === DataType.INT64) raw = bytesOf(BigInt64Array.from(Array.from(values, (v) => BigInt(Math.trunc(v)))))
  else throw new Error(`tensor '${name}': unsupported data type ${type}`)
  return { name, dataType: type, dims, rawData: raw }
}

export interface ValueInfo {
  name: string
  type: DataTypeCode
  shape: Dim[]
}

function valueInfo(v: ValueInfo): OnnxTypes.IValueInfoProto {
  return {
    name: v.name,
    type: {
      tensorType: {
        elemType: v.type,
        shape: { dim: v.shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) }
      }
    }
  }
}

export interface GraphBuilderOptions {
  graphName?: string
  producerName?: string
  producerVersion?: string
  docString?: string
}

/**
 * Accumulates nodes, initializers, inputs and outputs; names are made unique with `fresh()`.
 * Node outputs are returned as names, so graphs read like straight-line code:
 *   const y = g.node('Add', [g.node('MatMul', [x, w]), b])
 */
export class GraphBuilder {
  readonly nodes: OnnxTypes.INodeProto[] = []
  readonly initializers: OnnxTypes.ITensorProto[] = []
  readonly inputs: ValueInfo[] = []
  readonly outputs: ValueInfo[] = []
  readonly valueInfo: ValueInfo[] = []
  readonly metadata = new Map<string, string>()
  private used = new Set<string>()
  private counter = 0
  private usesMl = false

  constructor(readonly opts: GraphBuilderOptions = {}) {}

  /** A name not used yet, derived from `base`. */
  fresh(base: string): string {
    const clean = base.replace(/[^A-Za-z0-9_./-]/g, '_') || 't'
    let name = clean
    while (this.used.has(name)) name = `${clean}_${++this.counter}`
    this.used.add(name)
    return name
  }

  addInput(name: string, type: DataTypeCode, shape: Dim[]): string {
    if (this.used.has(name)) throw new Error(`name '${name}' is already used`)
    this.used.add(name)
    this.inputs.push({ name, type, shape })
    return name
  }

  /** Declares `value` as a graph output called `name` (an Identity node renames it). */
  addOutput(name: string, value: string, type: DataTypeCode, shape: Dim[]): string {
    if (this.used.has(name)) throw new Error(`output name '${name}' is already used`)
    this.used.add(name)
    this.nodes.push({ opType: 'Identity', input: [value], output: [name], name: this.fresh(`${name}_identity`), domain: '' })
    this.outputs.push({ name, type, shape })
    return name
  }

  /** A float32 initializer (constant). */
  float(base: string, dims: number[], values: ArrayLike<number>): string {
    const name = this.fresh(base)
    this.initializers.push(tensorProto(name, DataType.FLOAT, dims, values))
    return name
  }

  /** A float64 initializer. */
  double(base: string, dims: number[], values: ArrayLike<number>): string {
    const name = this.fresh(base)
    this.initializers.push(tensorProto(name, DataType.DOUBLE, dims, values))
    return name
  }

  /** An int64 initializer (shapes, axes: inputs rather than attributes from opset 13). */
  int64(base: string, dims: number[], values: ArrayLike<number>): string {
    const name = this.fresh(base)
    this.initializers.push(tensorProto(name, DataType.INT64, dims, values))
    return name
  }

  /** A float32 scalar (dims []) initializer. */
  scalar(base: string, value: number): string {
    return this.float(base, [], [value])
  }

  /** Adds a node with one output and returns the output's name. */
  node(opType: string, inputs: string[], attrs: Record<string, AttrInput> = {}, opts: { domain?: string; name?: string } = {}): string {
    return this.nodeN(opType, inputs, 1, attrs, opts)[0]
  }

  /**
   * Adds a node with several outputs. `outputs` is a count, or one flag per output position: an
   * unwanted one gets the name '' (ONNX's "optional output not produced"), e.g. LSTM's Y when only
   * Y_h is used.
   */
  nodeN(opType: string, inputs: string[], outputs: number | boolean[], attrs: Record<string, AttrInput> = {}, opts: { domain?: string; name?: string } = {}): string[] {
    const base = opts.name ?? opType
    const wanted = typeof outputs === 'number' ? Array.from({ length: outputs }, () => true) : outputs
    const names = wanted.map((w, i) => (w ? this.fresh(wanted.length === 1 ? base : `${base}_out${i}`) : ''))
    const domain = opts.domain ?? ''
    if (domain === ML_DOMAIN) this.usesMl = true
    else if (domain !== '') throw new Error(`unsupported operator domain '${domain}'`)
    this.nodes.push({
      opType,
      domain,
      name: this.fresh(`${base}_node`),
      input: inputs,
      output: names,
      attribute: Object.entries(attrs).map(([k, v]) => toAttribute(k, v))
    })
    return names
  }

  /**
   * Declares an intermediate value's type and shape (graph.value_info), for operators whose
   * output type ONNX shape inference cannot derive (ai.onnx.ml TreeEnsembleRegressor v1).
   */
  annotate(name: string, type: DataTypeCode, shape: Dim[]): void {
    this.valueInfo.push({ name, type, shape })
  }

  setMetadata(key: string, value: string): void {
    this.metadata.set(key, value)
  }

  toModel(): OnnxTypes.IModelProto {
    const opsetImport: OnnxTypes.IOperatorSetIdProto[] = [{ domain: '', version: OPSET_ONNX }]
    if (this.usesMl) opsetImport.push({ domain: ML_DOMAIN, version: OPSET_ML })
    return {
      irVersion: IR_VERSION,
      opsetImport,
      producerName: this.opts.producerName ?? 'anomaly-workbench',
      producerVersion: this.opts.producerVersion ?? '0.1.0',
      docString: this.opts.docString ?? '',
      graph: {
        name: this.opts.graphName ?? 'graph',
        node: this.nodes,
        initializer: this.initializers,
        input: this.inputs.map(valueInfo),
        output: this.outputs.map(valueInfo),
        valueInfo: this.valueInfo.map(valueInfo)
      },
      metadataProps: [...this.metadata].map(([key, value]) => ({ key, value }))
    }
  }

  encode(): Uint8Array {
    return onnx.ModelProto.encode(onnx.ModelProto.create(this.toModel())).finish()
  }
}

/** Decodes model bytes (tests, parity checks, `verify`). */
export function decodeModel(bytes: Uint8Array): OnnxTypes.ModelProto {
  return onnx.ModelProto.decode(bytes)
}

/** Model metadata_props as a plain object. */
export function readMetadata(bytes: Uint8Array): Record<string, string> {
  const m = decodeModel(bytes)
  return Object.fromEntries((m.metadataProps ?? []).map((p) => [p.key ?? '', p.value ?? '']))
}

/** Names and shapes (symbolic dims as strings) of a model's graph inputs or outputs. */
export function graphIO(bytes: Uint8Array): { inputs: ValueInfo[]; outputs: ValueInfo[] } {
  const g = decodeModel(bytes).graph
  const conv = (v: OnnxTypes.IValueInfoProto): ValueInfo => ({
    name: v.name ?? '',
    type: (v.type?.tensorType?.elemType ?? 0) as DataTypeCode,
    shape: (v.type?.tensorType?.shape?.dim ?? []).map((d) => (d.dimParam ? d.dimParam : Number(d.dimValue ?? 0)))
  })
  return { inputs: (g?.input ?? []).map(conv), outputs: (g?.output ?? []).map(conv) }
}

/**
 * What a spec's fields accept, for a form: each model param (and each split kind's fields) with
 * its type, default, allowed values and one-line meaning, read from the zod schemas themselves
 * through zod's JSON Schema export — the schemas that validate specs are the one source, and the
 * meanings are their `.describe()` texts.
 */
import { z } from 'zod'
import { modelParamsSchemas, modelSpecSchema, splitSchema } from './spec'
import { TARGET_METRICS } from '../eval/targets'

const scalar = z.union([z.string(), z.number(), z.boolean(), z.null()])

export const paramInfoSchema = z.object({
  name: z.string(),
  /** One line, e.g. `integer >= 1, <= 100000` or `'auto' | number > 0, <= 0.5`. */
  type: z.string(),
  /** Whether the field may be left out (it has a default, or is optional). */
  optional: z.boolean(),
  /** The default the schema fills in; absent when there is none. */
  default: z.unknown().optional(),
  /** Literal values the field accepts (enums and constants), in the schema's order. */
  allowed: z.array(scalar),
  meaning: z.string(),
  /** A grid or random search may vary it: every accepted value is a scalar. */
  searchable: z.boolean(),
  /** A random search may draw it from a numeric range. */
  numeric: z.boolean(),
  integer: z.boolean()
})
export type ParamInfo = z.infer<typeof paramInfoSchema>

export const specFormSchemaSchema = z.object({
  models: z.array(z.object({ kind: z.string(), params: z.array(paramInfoSchema) })),
  splits: z.array(z.object({ kind: z.string(), meaning: z.string(), fields: z.array(paramInfoSchema) })),
  /** Metrics an objective or a target may name. */
  metrics: z.array(z.string())
})
export type SpecFormSchema = z.infer<typeof specFormSchemaSchema>

interface JsonNode {
  type?: string
  const?: unknown
  enum?: unknown[]
  anyOf?: JsonNode[]
  oneOf?: JsonNode[]
  items?: JsonNode
  minItems?: number
  maxItems?: number
  minimum?: number
  maximum?: number
  exclusiveMinimum?: number
  exclusiveMaximum?: number
  minLength?: number
  properties?: Record<string, JsonNode>
  required?: string[]
  default?: unknown
  description?: string
}

/** The alternatives of a node, unions flattened. */
function branches(node: JsonNode): JsonNode[] {
  const alts = node.anyOf ?? node.oneOf
  return alts ? alts.flatMap(branches) : [node]
}

const SAFE = Number.MAX_SAFE_INTEGER
function bounds(n: JsonNode): string {
  const parts: string[] = []
  if (n.exclusiveMinimum !== undefined) parts.push(`> ${n.exclusiveMinimum}`)
  if (n.minimum !== undefined && n.minimum > -SAFE) parts.push(`>= ${n.minimum}`)
  if (n.exclusiveMaximum !== undefined) parts.push(`< ${n.exclusiveMaximum}`)
  if (n.maximum !== undefined && n.maximum < SAFE) parts.push(`<= ${n.maximum}`)
  return parts.join(', ')
}

/** One branch as text: `'auto'`, `integer >= 1`, `number[] (1-4 items)`, `object (kind: none)`. */
function branchType(n: JsonNode): string {
  if (n.const !== undefined) return JSON.stringify(n.const).replaceAll('"', "'")
  if (n.enum) return n.enum.map((v) => JSON.stringify(v).replaceAll('"', "'")).join(' | ')
  if (n.type === 'number' || n.type === 'integer') return [n.type, bounds(n)].filter(Boolean).join(' ')
  if (n.type === 'array') {
    const items = n.items ? branches(n.items).map(branchType).join(' | ') : 'value'
    const count = n.minItems !== undefined || n.maxItems !== undefined ? ` (${n.minItems ?? 0}-${n.maxItems ?? 'any'} items)` : ''
    return `list of ${items}${count}`
  }
  if (n.type === 'object') {
    const kind = n.properties?.kind?.const
    const fields = Object.keys(n.properties ?? {}).filter((k) => k !== 'kind')
    return `object${kind !== undefined ? ` kind '${String(kind)}'` : ''}${fields.length ? ` { ${fields.join(', ')} }` : ''}`
  }
  return n.type ?? 'any'
}

const isScalar = (n: JsonNode) => n.const !== undefined || n.enum !== undefined || ['number', 'integer', 'string', 'boolean', 'null'].includes(n.type ?? '')

function describeField(name: string, node: JsonNode, required: boolean): ParamInfo {
  const alts = branches(node)
  return {
    name,
    type: alts.map(branchType).join(' | '),
    optional: !required || node.default !== undefined,
    ...(node.default !== undefined ? { default: node.default } : {}),
    allowed: alts.flatMap((n) => (n.const !== undefined ? [n.const] : (n.enum ?? []))) as ParamInfo['allowed'],
    meaning: node.description ?? '',
    searchable: alts.every(isScalar),
    numeric: alts.some((n) => n.type === 'number' || n.type === 'integer'),
    integer: alts.some((n) => n.type === 'integer') && !alts.some((n) => n.type === 'number')
  }
}

/** Every field of an object schema, in its declared order (what a form shows, and how). */
export function describeFields(schema: z.ZodType): ParamInfo[] {
  // io 'input': what a spec file may write (defaults make a field optional there).
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonNode
  const required = new Set(json.required ?? [])
  return Object.entries(json.properties ?? {}).map(([name, node]) => describeField(name, node, required.has(name)))
}

/** The form's schema: each model kind's params, each split kind's fields, the known metrics. */
export function specFormSchema(): SpecFormSchema {
  return {
    models: modelSpecSchema.shape.kind.options.map((kind) => ({ kind, params: describeFields(modelParamsSchemas[kind]) })),
    splits: splitSchema.options.map((option) => ({
      kind: option.shape.kind.value,
      meaning: option.description ?? '',
      fields: describeFields(option).filter((f) => f.name !== 'kind')
    })),
    metrics: [...TARGET_METRICS]
  }
}

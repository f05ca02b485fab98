import { OPENAPI } from '../src/admin/openapi.js'

/**
 * A small checker of real admin answers against src/admin/openapi.ts: finds the operation by
 * method and path template, the response by status, and checks the JSON body against its schema
 * (the subset the document uses: type, properties, required, additionalProperties, items, enum,
 * pattern, $ref). Records which operations were seen, so a test can ask that all were.
 */

type Schema = Record<string, unknown>
type Content = Record<string, { schema: Schema }>
const spec = OPENAPI as unknown as {
  paths: Record<string, Record<string, { requestBody?: { content: Content }; responses: Record<string, { content?: Content }> }>>
  components: { schemas: Record<string, Schema> }
}

export const seen = new Set<string>()

export function operations(): string[] {
  return Object.entries(spec.paths).flatMap(([path, ops]) => Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`))
}

/** Problems of `body` as the answer `status` of `method path` (a template, `/peers/{id}`); [] if none. */
export function check(method: string, template: string, status: number, contentType: string | null, body: unknown): string[] {
  const op = spec.paths[template]?.[method.toLowerCase()]
  if (op === undefined) return [`${method} ${template} is not in the document`]
  seen.add(`${method.toUpperCase()} ${template}`)
  const response = op.responses[String(status)]
  if (response === undefined) return [`${method} ${template}: status ${status} is not documented`]
  const [media, content] = Object.entries(response.content ?? {})[0] ?? []
  if (media === undefined || content === undefined) return []
  if (!(contentType ?? '').startsWith(media)) return [`${method} ${template} ${status}: content type ${contentType}, documented ${media}`]
  return media === 'application/json' ? validate(content.schema, body, '$') : []
}

/** Problems of a request body the API accepted (a 2xx answer), against the operation's requestBody. */
export function checkRequest(method: string, template: string, body: unknown): string[] {
  const schema = spec.paths[template]?.[method.toLowerCase()]?.requestBody?.content['application/json']?.schema
  return schema === undefined || body === undefined ? [] : validate(schema, body, 'request')
}

function validate(schema: Schema, value: unknown, at: string): string[] {
  if (typeof schema.$ref === 'string') return validate(spec.components.schemas[schema.$ref.split('/').pop() as string] as Schema, value, at)
  const problems: string[] = []
  const type = schema.type as string | undefined
  const actual = Array.isArray(value) ? 'array' : value === null ? 'null' : Number.isInteger(value) ? 'integer' : typeof value
  if (type !== undefined && !(type === actual || (type === 'number' && actual === 'integer'))) return [`${at}: ${actual}, expected ${type}`]
  if (Array.isArray(schema.enum) && !schema.enum.includes(value)) problems.push(`${at}: ${JSON.stringify(value)} not one of ${schema.enum.join(', ')}`)
  if (typeof schema.pattern === 'string' && typeof value === 'string' && !new RegExp(schema.pattern).test(value)) problems.push(`${at}: "${value}" does not match ${schema.pattern}`)
  if (actual === 'array' && schema.items !== undefined) (value as unknown[]).forEach((item, i) => problems.push(...validate(schema.items as Schema, item, `${at}[${i}]`)))
  if (actual === 'object') {
    const object = value as Record<string, unknown>
    const properties = (schema.properties ?? {}) as Record<string, Schema>
    for (const key of (schema.required ?? []) as string[]) if (!(key in object)) problems.push(`${at}.${key}: missing`)
    for (const [key, item] of Object.entries(object)) {
      const property = properties[key]
      if (property !== undefined) problems.push(...validate(property, item, `${at}.${key}`))
      else if (schema.additionalProperties === false) problems.push(`${at}.${key}: not allowed`)
      else if (typeof schema.additionalProperties === 'object') problems.push(...validate(schema.additionalProperties as Schema, item, `${at}.${key}`))
    }
  }
  return problems
}

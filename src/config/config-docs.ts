import { z } from 'zod'
import { configSchema } from './schema.js'

interface JsonSchemaNode {
  type?: string
  description?: string
  default?: unknown
  properties?: Record<string, JsonSchemaNode>
  items?: JsonSchemaNode
  enum?: unknown[]
  minimum?: number
  maximum?: number
  exclusiveMinimum?: number
  pattern?: string
}

const PREAMBLE = `# Configuration

<!-- Generated from src/config/schema.ts by \`make docs\`; a unit test fails when it is stale. -->

tinyagent-sandbox reads \`config.yml\` (or \`--config FILE\`). Every key is optional; the
defaults are the secure ones and are what [config.yml](../config.yml) spells out. Keys
marked *Seed* keep the meaning that tinyAgent's security configuration document gives them.
Unknown keys and wrong types are errors that name the key path, line and column (a quoted
\`"false"\` is refused, not read as true).

The static policy's keys (\`allow_dangerous_operations\`, \`allowed_operations\`) decide what
code is refused before it runs. The container settings (\`limits\`, \`runtime\`) bound what code
can do while it runs, whatever the policy allowed.

| key | type | default | meaning |
| --- | --- | --- | --- |
`

/** docs/configuration.md, rendered from the schema's JSON Schema form. */
export function renderConfigDocs(): string {
  const root = z.toJSONSchema(configSchema, { io: 'input' }) as JsonSchemaNode
  const rows: string[] = []
  walk(root, '', rows)
  return `${PREAMBLE}${rows.join('\n')}\n`
}

function walk(node: JsonSchemaNode, path: string, rows: string[]): void {
  for (const [key, child] of Object.entries(node.properties ?? {})) {
    const childPath = path === '' ? key : `${path}.${key}`
    if (child.type === 'object') {
      rows.push(`| **\`${childPath}\`** | section | | ${child.description ?? ''} |`)
      walk(child, childPath, rows)
    } else {
      rows.push(
        `| \`${childPath}\` | ${typeOf(child)} | \`${JSON.stringify(child.default)}\` | ${child.description ?? ''} |`,
      )
    }
  }
}

function typeOf(node: JsonSchemaNode): string {
  if (node.enum !== undefined) return node.enum.map((v) => `\`${String(v)}\``).join(' \\| ')
  if (node.type === 'array') return `list of ${node.items?.type ?? 'values'}`
  const low = node.minimum ?? node.exclusiveMinimum
  const range = low !== undefined && node.maximum !== undefined ? ` ${low}–${node.maximum}` : ''
  return `${node.type ?? 'value'}${range}`
}

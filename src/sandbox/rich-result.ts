import { z } from 'zod'

/**
 * The runner's report of a trailing expression's value and of open matplotlib figures. It
 * comes from inside the container, so it is validated like any outside input: anything
 * malformed is dropped, never trusted.
 */
export const tableSchema = z
  .object({
    shape: z.tuple([z.int().nonnegative(), z.int().nonnegative()]),
    columns: z.array(z.string()),
    index: z.array(z.string()),
    rows: z.array(z.array(z.union([z.string(), z.number(), z.boolean(), z.null()]))),
    truncated: z.boolean(),
    html: z.string(),
    markdown: z.string(),
  })
  .describe('A DataFrame or Series value, as data: shape, the first rows, and two renderings.')

export const valueSchema = z
  .object({
    repr: z.string(),
    type: z.string(),
    reprTruncated: z.boolean(),
    table: tableSchema.optional(),
  })
  .describe("The value of the code's last line when it is an expression, like a notebook cell's.")

export const artifactSchema = z
  .object({
    type: z.literal('image/png'),
    name: z.string().regex(/^[\w.-]{1,64}$/),
    width: z.int().nonnegative(),
    height: z.int().nonnegative(),
    base64: z.string(),
  })
  .describe('A chart: a figure left open at the end (or shown with plt.show()), as a PNG.')

/** A DataFrame or Series value, as data: shape, the first rows, and two renderings. */
export type TableResult = z.infer<typeof tableSchema>
/** The value of the code's last line when it is an expression, like a notebook cell's. */
export type ValueResult = z.infer<typeof valueSchema>
/** A chart: a figure left open at the end (or shown with plt.show()), as a PNG. */
export type Artifact = z.infer<typeof artifactSchema>

export interface RichResult {
  readonly result: ValueResult | null
  readonly artifacts: readonly Artifact[]
  readonly artifactsTruncated: boolean
}

export const NO_RICH_RESULT: RichResult = { result: null, artifacts: [], artifactsTruncated: false }

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])

/** Reads the rich part of a frame; what does not validate is left out. */
export function readRichResult(frame: Record<string, unknown>): RichResult {
  const value = valueSchema.safeParse(frame.result)
  const artifacts = Array.isArray(frame.artifacts) ? frame.artifacts : []
  const valid = artifacts.flatMap((item) => {
    const parsed = artifactSchema.safeParse(item)
    return parsed.success && isPng(parsed.data.base64) ? [parsed.data] : []
  })
  return {
    result: value.success ? value.data : null,
    artifacts: valid,
    artifactsTruncated: frame.artifactsTruncated === true || valid.length < artifacts.length,
  }
}

function isPng(base64: string): boolean {
  return Buffer.from(base64.slice(0, 12), 'base64').subarray(0, 8).equals(PNG_SIGNATURE)
}

/** Every sample line of a server's /metrics, by name and labels. */
export async function metricSamples(url: string): Promise<Map<string, number>> {
  const text = await (await fetch(`${url}/metrics`)).text()
  const samples = new Map<string, number>()
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue
    const space = line.lastIndexOf(' ')
    samples.set(line.slice(0, space), Number(line.slice(space + 1)))
  }
  return samples
}

/** How much a counter grew between two readings (a sample absent counts as 0). */
export function growth(
  after: ReadonlyMap<string, number>,
  before: ReadonlyMap<string, number>,
  sample: string,
): number {
  return (after.get(sample) ?? 0) - (before.get(sample) ?? 0)
}

/** The samples whose name starts with `prefix` and that grew, with their growth. */
export function grownSamples(
  after: ReadonlyMap<string, number>,
  before: ReadonlyMap<string, number>,
  prefix: string,
): Record<string, number> {
  const grown: Record<string, number> = {}
  for (const sample of after.keys()) {
    const n = growth(after, before, sample)
    if (sample.startsWith(prefix) && n !== 0) grown[sample] = n
  }
  return grown
}

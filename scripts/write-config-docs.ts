import { writeFile } from 'node:fs/promises'
import { renderConfigDocs } from '../src/config/config-docs.js'

await writeFile(new URL('../docs/configuration.md', import.meta.url), renderConfigDocs())

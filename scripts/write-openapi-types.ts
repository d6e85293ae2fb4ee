import { writeFile } from 'node:fs/promises'
import { GENERATED_TYPES, renderOpenApiTypes } from '../test/clients/render-openapi-types.js'

await writeFile(GENERATED_TYPES, await renderOpenApiTypes())

import { EngineUnavailableError, ImageMissingError, SandboxError } from '../errors.js'

interface DockerodeError {
  code?: string
  statusCode?: number
  json?: { message?: string } | null
  message?: string
}

const UNREACHABLE = new Set([
  'ENOENT',
  'ECONNREFUSED',
  'EACCES',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
])

/** Whether an engine error means the engine itself cannot be reached. */
export function isUnreachable(error: unknown): boolean {
  return UNREACHABLE.has((error as DockerodeError)?.code ?? '')
}

/**
 * Translates what dockerode throws into our error model, with a message that says what to
 * do. Errors that are already ours pass through.
 */
export function toEngineError(error: unknown, endpoint: string, image?: string): SandboxError {
  if (error instanceof SandboxError) return error
  const failure = error as DockerodeError
  if (isUnreachable(error)) {
    return new EngineUnavailableError(
      `Cannot reach the Docker engine at ${endpoint} (${failure.code}). Start it (scripts/ensure-docker.sh on Debian as root, or your system's Docker service) or point DOCKER_HOST at a running engine.`,
      { cause: error },
    )
  }
  const detail = failure.json?.message ?? failure.message ?? String(error)
  if (image !== undefined && failure.statusCode === 404 && /no such image/i.test(detail)) {
    return new ImageMissingError(image)
  }
  if (/unknown (or invalid )?runtime/i.test(detail)) {
    return new EngineUnavailableError(
      `The Docker engine at ${endpoint} does not know this runtime: ${detail}. Register it in /etc/docker/daemon.json or set code_execution.runtime to one that \`tinyagent-sandbox doctor\` lists.`,
      { cause: error },
    )
  }
  return new EngineUnavailableError(`The Docker engine at ${endpoint} failed: ${detail}`, {
    cause: error,
  })
}

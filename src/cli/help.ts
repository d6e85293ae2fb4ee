import { EXIT_CODE_HELP } from './exit-codes.js'

export const HELP = `tinyagent-sandbox: run untrusted Python in ephemeral, network-less containers.

Usage:
  tinyagent-sandbox run [--json] [--timeout SECONDS] [--file NAME=PATH]...
                        [--out DIR [--into-existing] [--allow-dot-files]] FILE|-
                                                               run a script (- reads stdin)
  tinyagent-sandbox check [--json] FILE|-                      static policy only, no Docker
  tinyagent-sandbox doctor [--json]                            engine, runtime and image checks
  tinyagent-sandbox reap [--all]                               remove containers a crashed run left
                                                               (--all: also this instance's live ones)
  tinyagent-sandbox serve [--host HOST] [--port PORT]          HTTP API (docs/api.md); SIGTERM drains
  tinyagent-sandbox mcp                                        MCP server on stdio (docs/mcp.md)
  tinyagent-sandbox worker                                     a worker node: takes queued executions
                                                               (queue.url; docs/scale-out.md); SIGTERM drains
  tinyagent-sandbox image build                                build the sandbox image (code_execution.image)
                                                               from the files this package ships; needs docker

Options:
  --config FILE     configuration (default: ./config.yml if present, else secure defaults)
  --json            one JSON object on stdout
  --timeout S       lower the time limit for this run (never above code_execution.timeout_seconds)
  --file NAME=PATH  put a host file into /workspace/NAME first (repeatable; needs file_operations)
  --out DIR         write the workspace files the code created or changed, and its charts and
                    table, into DIR: new (created) or empty; never replaces a file or
                    follows a symlink, and refuses them all if any name is refused
  --into-existing   with --out: DIR may already hold files; a name that exists is refused
  --allow-dot-files with --out: also write names with a part starting with \`.\` (.git/config)
  --host, --port    where serve listens (default: server.host and server.port, 127.0.0.1:8080)
  -v, --verbose     log at logging.level from the config (default: warnings only)
  -h, --help        this text

${EXIT_CODE_HELP}
`

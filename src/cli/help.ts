import { EXIT_CODE_HELP } from './exit-codes.js'

export const HELP = `tinyagent-sandbox: run untrusted Python in ephemeral, network-less containers.

Usage:
  tinyagent-sandbox run [--json] [--timeout SECONDS] FILE|-   run a script (- reads stdin)
  tinyagent-sandbox check [--json] FILE|-                      static policy only, no Docker
  tinyagent-sandbox doctor [--json]                            engine, runtime and image checks
  tinyagent-sandbox reap [--all]                               remove containers a crashed run left
                                                               (--all: also this instance's live ones)

Options:
  --config FILE     configuration (default: ./config.yml if present, else secure defaults)
  --json            one JSON object on stdout
  --timeout S       lower the time limit for this run (never above code_execution.timeout_seconds)
  -v, --verbose     log at logging.level from the config (default: warnings only)
  -h, --help        this text

${EXIT_CODE_HELP}
`

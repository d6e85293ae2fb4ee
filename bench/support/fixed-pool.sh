#!/usr/bin/env bash
# The fixed pool the adaptive one is measured against (bench/warm-pool.ts, BENCH_FIXED_POOL):
# a worktree of the last commit before issue 17 and its image, built from its own sources.
# Usage: bash bench/support/fixed-pool.sh [DIR]   (prints the directory to pass on)
set -euo pipefail
cd "$(dirname "$0")/../.."
commit=455ac97
dir=${1:-/tmp/tinyagent-fixed-pool}
if [ ! -d "$dir/src" ]; then
  git worktree add --detach "$dir" "$commit" >&2
fi
ln -sfn "$PWD/node_modules" "$dir/node_modules"
(cd "$dir" && IMAGE_TAG=tinyagent-sandbox/python-fixed bash scripts/build-image.sh)
echo "$dir"

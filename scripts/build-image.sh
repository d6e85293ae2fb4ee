#!/usr/bin/env bash
# Builds the sandbox image (default tag tinyagent-sandbox/python) unless an
# image built from the same images/python files is already there.
# The base is, in order: $BASE_IMAGE; debian:bookworm-slim if present or
# pullable; else a local debootstrap base (no registry needed).
# Run by `make image`, and by `tinyagent-sandbox image build` from the npm package, which
# ships this script and images/ (IMAGE_TAG is then the config's code_execution.image).
set -euo pipefail
cd "$(dirname "$0")/.."
tag=${IMAGE_TAG:-tinyagent-sandbox/python}
context=images/python
local_base=tinyagent-sandbox/base:bookworm
public_base=debian:bookworm-slim

log() { printf '[build-image] %s\n' "$*" >&2; }
command -v docker >/dev/null || { log "The docker CLI is missing: install Docker (docs.docker.com/engine/install), then run this again."; exit 1; }

digest=$(find "$context" -type f -not -name '*.sh' -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16)
current=$(docker image inspect "$tag" --format '{{ index .Config.Labels "tinyagent-sandbox.source-digest" }}' 2>/dev/null || true)
if [ "$current" = "$digest" ] && [ "${FORCE:-0}" != 1 ]; then
  log "$tag is up to date (source digest $digest)."
  exit 0
fi

base=${BASE_IMAGE:-}
if [ -z "$base" ]; then
  if docker image inspect "$public_base" >/dev/null 2>&1 || timeout 60 docker pull -q "$public_base" >/dev/null 2>&1; then
    base=$public_base
  else
    base=$local_base
    if ! docker image inspect "$local_base" >/dev/null 2>&1; then
      log "No registry reachable for $public_base: building a local base with debootstrap."
      bash "$context/build-base.sh" "$local_base"
    fi
  fi
fi

log "Building $tag FROM $base."
build_log=$(mktemp /tmp/tinyagent-build.XXXXXX.log)
trap 'rm -f "$build_log"' EXIT
# A second tag names the package set, so images with different packages can sit side by side.
packages=$(grep -v '^#' "$context/packages.txt" | tr -s ' \n' ' ' | sed 's/ $//')
package_tag="${tag%%:*}:pkgs-$(printf '%s' "$packages" | sha256sum | cut -c1-12)"
if ! docker build --build-arg "BASE_IMAGE=$base" \
  --label "tinyagent-sandbox.source-digest=$digest" --label "tinyagent-sandbox.packages=$packages" \
  -t "$tag" -t "$package_tag" "$context" >"$build_log" 2>&1; then
  tail -30 "$build_log" >&2
  log "docker build failed (last lines above)."
  exit 1
fi
log "Built $tag and $package_tag ($(docker image inspect "$tag" --format '{{.Size}}' | awk '{printf "%.0f MB", $1/1e6}'))."

#!/usr/bin/env bash
# Make sure redis-server and redis-cli are installed (Debian's redis-server and redis-tools),
# for the cluster suite, which starts its own redis-server in a network namespace. Never starts
# the system service: on a machine without a policy-rc.d, one that refuses service starts is
# put in place for the install only. Says what it did.
set -euo pipefail

log() { printf '[ensure-redis] %s\n' "$*" >&2; }

need=()
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
command -v redis-cli >/dev/null 2>&1 || need+=(redis-tools)
if [ ${#need[@]} -eq 0 ]; then
  log "redis-server and redis-cli are installed ($(redis-server --version | cut -d' ' -f3)); nothing to do."
  exit 0
fi

if [ "$(id -u)" != 0 ] || [ ! -f /etc/debian_version ]; then
  log "Missing: ${need[*]}. Install Redis 7 (redis-server and redis-cli on PATH), then run this again."
  exit 1
fi

policy=/usr/sbin/policy-rc.d
added_policy=no
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\n# ensure-redis.sh: no service starts during this install.\nexit 101\n' >"$policy"
  chmod +x "$policy"
  added_policy=yes
fi
trap 'if [ "$added_policy" = yes ]; then rm -f "$policy"; fi' EXIT

log "Installing ${need[*]} with apt-get (Debian, root); the redis-server service is not started."
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq "${need[@]}" >/dev/null
log "Installed: $(redis-server --version | cut -d' ' -f1-3)."

#!/usr/bin/env bash
# Make sure a Docker engine answers. On Debian as root, install docker.io (and
# gVisor's runsc) and start dockerd; anywhere else, say what the user must do.
set -euo pipefail

log() { printf '[ensure-docker] %s\n' "$*" >&2; }

if docker info >/dev/null 2>&1; then
  exit 0
fi

if [ "$(id -u)" != 0 ] || [ ! -f /etc/debian_version ]; then
  log "No Docker engine answers at ${DOCKER_HOST:-unix:///var/run/docker.sock}."
  log "Install Docker (https://docs.docker.com/engine/install/) and start it, or set DOCKER_HOST, then run this again."
  exit 1
fi

need=()
command -v dockerd >/dev/null 2>&1 || need+=(docker.io)
command -v runsc >/dev/null 2>&1 || need+=(runsc)
command -v debootstrap >/dev/null 2>&1 || need+=(debootstrap)
if [ ${#need[@]} -gt 0 ]; then
  log "No Docker engine found: installing ${need[*]} with apt-get (Debian, root)."
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${need[@]}" >/dev/null
fi

# Register gVisor as an extra runtime; it needs --network=none for network-less containers.
if command -v runsc >/dev/null 2>&1 && [ ! -f /etc/docker/daemon.json ]; then
  mkdir -p /etc/docker
  cat >/etc/docker/daemon.json <<JSON
{
  "runtimes": {
    "runsc": { "path": "$(command -v runsc)", "runtimeArgs": ["--network=none"] }
  }
}
JSON
  log "Registered gVisor (runsc) in /etc/docker/daemon.json."
fi

log "Starting dockerd in the background (log: /var/log/dockerd.log)."
nohup dockerd --pidfile /var/run/docker.pid >/var/log/dockerd.log 2>&1 &
for _ in $(seq 1 60); do
  if docker info >/dev/null 2>&1; then
    log "Docker engine is up."
    exit 0
  fi
  sleep 1
done
log "dockerd did not answer within 60 s; see /var/log/dockerd.log."
exit 1

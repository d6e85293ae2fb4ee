#!/usr/bin/env bash
# Builds a minimal Debian bookworm base image from Debian's own packages, for
# machines where no container registry is reachable: debootstrap into a scratch
# folder, then `docker import`. Usage: build-base.sh TAG
set -euo pipefail
tag=${1:?usage: build-base.sh TAG}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}

command -v debootstrap >/dev/null || { echo "build-base: debootstrap is missing (apt-get install debootstrap)" >&2; exit 1; }

scratch=$(mktemp -d /var/tmp/tinyagent-rootfs.XXXXXX)
trap 'rm -rf --one-file-system "$scratch"' EXIT

echo "build-base: debootstrap --variant=minbase bookworm from $mirror (a few minutes)" >&2
debootstrap --variant=minbase bookworm "$scratch" "$mirror" >"$scratch.log" 2>&1 || {
  tail -20 "$scratch.log" >&2; rm -f "$scratch.log"; exit 1; }
rm -f "$scratch.log"
rm -rf "$scratch"/var/cache/apt/archives/*.deb "$scratch"/var/lib/apt/lists/*
tar -C "$scratch" --numeric-owner -c . | docker import \
  --change 'CMD ["/bin/bash"]' --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  - "$tag" >/dev/null
echo "build-base: imported $tag" >&2

#!/usr/bin/env bash
# Makes the Debian base image that docker/Dockerfile starts from, for machines
# that reach Debian's package mirror but no container registry (so
# `docker pull debian:bookworm-slim` cannot work). Where a registry is
# reachable this script is not needed: the engine pulls the base by itself.
#
# Usage: scripts/make-base-image.sh [TAG] [SUITE]
#   TAG    defaults to debian:bookworm-slim (the Dockerfile's BASE_IMAGE)
#   SUITE  defaults to bookworm
# Needs root, debootstrap and a running Docker engine. Does nothing when the
# tag already exists.
set -euo pipefail

tag=${1:-debian:bookworm-slim}
suite=${2:-bookworm}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}

if docker image inspect "$tag" >/dev/null 2>&1; then
  echo "base image $tag is present"
  exit 0
fi
command -v debootstrap >/dev/null || { echo "debootstrap is missing: apt-get install debootstrap" >&2; exit 1; }

root=$(mktemp -d /tmp/sagedesk-base.XXXXXX)
trap 'rm -rf "$root"' EXIT
echo "debootstrap $suite into $root from $mirror"
debootstrap --variant=minbase "$suite" "$root" "$mirror" >/tmp/sagedesk-debootstrap.log 2>&1 \
  || { tail -20 /tmp/sagedesk-debootstrap.log >&2; exit 1; }
# Trim what a slim image leaves out, and keep apt from caching downloads.
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* \
  "$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/usr/share/info/*
tar -C "$root" -c . | docker import \
  --change 'CMD ["bash"]' \
  --change 'ENV LANG=C.UTF-8' \
  - "$tag" >/dev/null
echo "imported $tag"

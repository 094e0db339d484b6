#!/usr/bin/env bash
# A base image for machines that cannot pull from a registry: Debian bookworm (minbase) with python3 and
# python3-venv, made with debootstrap from Debian's packages and imported into Docker.
#
#   deploy/docker/local-base.sh [NAME]      # default NAME: local/debian-python:bookworm; kept when it exists
#
# Then: docker build --build-arg BASE=NAME .   (Python 3.11: the package allows 3.11 and 3.12). Needs root,
# debootstrap and a Debian mirror ($MIRROR, default deb.debian.org). Takes about two minutes.
set -euo pipefail
NAME=${1:-local/debian-python:bookworm}
MIRROR=${MIRROR:-http://deb.debian.org/debian}
DOCKER=${DOCKER:-docker}
if "$DOCKER" image inspect "$NAME" >/dev/null 2>&1; then
    echo "base image $NAME is here"
    exit 0
fi
rootfs=$(mktemp -d)
trap 'rm -rf "$rootfs"' EXIT
debootstrap --variant=minbase --include=python3,python3-venv,passwd,ca-certificates bookworm "$rootfs" "$MIRROR"
rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
tar -C "$rootfs" -c . | "$DOCKER" import --change 'CMD ["python3"]' - "$NAME"
echo "base image $NAME made"

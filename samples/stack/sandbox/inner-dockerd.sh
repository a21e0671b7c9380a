#!/bin/sh
# The inner dockerd listens on a socket in a directory the session bind-mounts, and trusts the
# sandbox registry and the registry facade the way the session's own dockerd does (the registry is
# also its docker.io mirror here).
set -eu
set -- --host unix:///run/inner/docker.sock --data-root /var/lib/docker --storage-driver overlay2
if [ -n "${HELIX_REGISTRY:-}" ]; then
  set -- "$@" --insecure-registry "$HELIX_REGISTRY" --registry-mirror "http://$HELIX_REGISTRY"
fi
if [ -n "${HELIX_FACADE:-}" ]; then
  set -- "$@" --insecure-registry "$HELIX_FACADE"
fi
rm -f /run/inner/docker.sock
exec dockerd "$@"

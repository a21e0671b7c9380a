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
# containerd first, as the desktop's init does: a dockerd that starts its own dials the socket before
# it exists and gRPC retries only a second later, a second the sandbox would spend idle on every start.
sock=/run/containerd-inner/containerd.sock
mkdir -p /run/containerd-inner
printf '%s\n' 'version = 2' 'disabled_plugins = ["io.containerd.grpc.v1.cri"]' \
  'root = "/var/lib/docker/containerd/daemon"' 'state = "/run/containerd-inner/daemon"' \
  '[grpc]' "  address = \"$sock\"" >/run/containerd-inner/containerd.toml
containerd --config /run/containerd-inner/containerd.toml &
i=0
while [ ! -S "$sock" ] && [ "$i" -lt 500 ]; do sleep 0.01; i=$((i + 1)); done
rm -f /run/inner/docker.sock
exec dockerd --containerd "$sock" "$@"

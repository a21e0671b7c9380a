#!/bin/sh
# The project's startup script, as a session (or a golden build) runs it: build every image, start
# the inner sandbox, and build the large image for the inner dockerd too.
set -eu
cd "${SAMPLE_DIR:-/work/sample}"
# Sizes for a quick run (the tests use smaller ones); compose reads the same file.
if [ -f .env ]; then set -a; . ./.env; set +a; fi
docker compose build
REGISTRY_HOST=${HELIX_REGISTRY:-helix-registry:5000}; REGISTRY_HOST=${REGISTRY_HOST%:*}
REGISTRY_IP=$(getent hosts "$REGISTRY_HOST" | awk '{print $1; exit}')
# The registry facade (the builder's store), which the inner dockerd pulls changed images from.
FACADE_HOST=${HELIX_FACADE:-helix-facade:5002}; FACADE_HOST=${FACADE_HOST%:*}
FACADE_IP=$(getent hosts "$FACADE_HOST" | awk '{print $1; exit}' || true)
export REGISTRY_HOST REGISTRY_IP FACADE_HOST FACADE_IP
docker compose up -d --wait sandbox
# Built by compose as the session's was, so the inner dockerd gets the same image (compose's labels too).
DOCKER_HOST=unix:///run/helix-inner/docker.sock docker compose build assets >/dev/null
echo "startup: images built; inner sandbox ready"

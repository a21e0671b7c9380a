# The sandbox's Node services: the shared registry's token server (dist/helix-registry-auth.mjs, its
# signing key and the sessions' credentials mounted read-only at /etc/helix-registry-auth) and the
# registry facade over BuildKit's content store (dist/helix-facade.mjs, started with its own entrypoint).
ARG BASE_IMAGE=debian:trixie
FROM ${BASE_IMAGE}
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends nodejs \
 && rm -rf /var/lib/apt/lists/*
COPY helix-registry-auth.mjs /opt/helix/registry-auth.mjs
COPY helix-facade.mjs /opt/helix/facade.mjs
EXPOSE 5001
ENTRYPOINT ["node", "/opt/helix/registry-auth.mjs"]

# The shared registry's token server: Debian's Node and the bundled dist/helix-registry-auth.mjs. Its
# signing key and the sessions' credentials are mounted read-only at /etc/helix-registry-auth.
ARG BASE_IMAGE=debian:trixie
FROM ${BASE_IMAGE}
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends nodejs \
 && rm -rf /var/lib/apt/lists/*
COPY helix-registry-auth.mjs /opt/helix/registry-auth.mjs
EXPOSE 5001
ENTRYPOINT ["node", "/opt/helix/registry-auth.mjs"]

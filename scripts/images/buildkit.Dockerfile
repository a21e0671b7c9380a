# moby/buildkit-compatible image built from local parts: nothing can be pulled on these machines.
# buildkitd and buildctl are static (CGO_ENABLED=0); runc comes from Debian and needs its libc.
ARG BASE_IMAGE=debian:trixie
FROM ${BASE_IMAGE}
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends runc git openssh-client pigz xz-utils \
 && rm -rf /var/lib/apt/lists/*
COPY buildkitd buildctl /usr/bin/
VOLUME /var/lib/buildkit
ENTRYPOINT ["buildkitd"]

#!/bin/sh
# The image's own entrypoint: prepares the desktop as root, then runs CMD as the desktop user.
set -e
echo "[desktop] preparing $(hostname)"
mkdir -p /run/desktop
# helix: dockerd, the shared builder and the docker wrapper (the one line the toolkit adds).
. /etc/cont-init.d/17-start-dockerd.sh
echo "[desktop] starting $* as dev"
exec setpriv --reuid=dev --regid=dev --init-groups env HOME=/home/dev USER=dev LOGNAME=dev "$@"

#!/usr/bin/env bash
# Installs and starts the real build stack on a dev or CI machine (Debian bookworm, root):
# Docker Engine, buildx and Compose v2 plugins, buildkitd/buildctl, and the local images that
# cannot be pulled here. Idempotent: every step checks before it acts, so a re-run is fast and a
# re-run after a failure picks up where it stopped.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
# shellcheck source=stack.env
. "$here/stack.env"

log() { printf 'setup: %s\n' "$*" >&2; }
step=""
failed=""
fail() { failed=1; printf 'setup: FAILED at "%s": %s\n' "$step" "$*" >&2; exit 1; }
# Anything that fails without calling fail still ends with one line naming the step.
trap 'rc=$?; [ $rc -eq 0 ] || [ -n "$failed" ] || printf "setup: FAILED at \"%s\" (exit %s); see the lines above, fix, and re-run: the finished steps are skipped\n" "$step" "$rc" >&2' EXIT

[ "$(id -u)" = 0 ] || fail "must run as root (it installs packages and starts dockerd)"

export PATH="$PATH:/usr/local/go/bin:/usr/sbin:/sbin"
cache=/var/cache/helix-apt
mkdir -p "$STACK_DIR/bin" "$cache"

step="disk space"
# Images, the BuildKit cache and session data-roots all live under /var/lib.
free_gb=$(df -Pk /var/lib | awk 'NR==2 {print int($4/1048576)}')
[ "$free_gb" -ge "${HELIX_MIN_FREE_GB:-15}" ] || fail "only ${free_gb} GB free under /var/lib; the stack needs ${HELIX_MIN_FREE_GB:-15} GB: free some space (docker system prune, old sessions in /var/lib/helix-host)"

apt_updated=""
apt_update_once() { [ -n "$apt_updated" ] || { apt-get update -qq || fail "apt-get update failed: check the Debian mirror is reachable"; apt_updated=1; }; }

# apt options for a private package list of another suite, so the host's own sources stay untouched.
suite_opts() {
  local d="$cache/$1"
  mkdir -p "$d/lists/partial" "$d/cache/archives/partial" "$d/debs"
  echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $DEBIAN_MIRROR $1 main" >"$d/sources.list"
  printf '%s\n' -o "Dir::Etc::SourceList=$d/sources.list" -o Dir::Etc::SourceParts=/dev/null \
    -o "Dir::State::Lists=$d/lists" -o "Dir::Cache=$d/cache" -o APT::Sandbox::User=root
}
# Prints the path of a .deb of PACKAGE from SUITE, downloading it once.
suite_deb() {
  local suite=$1 pkg=$2 d="$cache/$1/debs" opts
  mapfile -t opts < <(suite_opts "$suite")
  local f
  f=$(ls "$d/${pkg}_"*.deb 2>/dev/null | head -1 || true)
  if [ -z "$f" ]; then
    [ -n "$(ls "$cache/$suite/lists/"*Packages* 2>/dev/null)" ] || apt-get "${opts[@]}" update -qq >&2 \
      || fail "cannot read the $suite package list from $DEBIAN_MIRROR"
    (cd "$d" && apt-get "${opts[@]}" download "$pkg" >&2) || fail "cannot download $pkg from $suite"
    f=$(ls "$d/${pkg}_"*.deb | head -1)
  fi
  echo "$f"
}

step="host packages"
need=()
for p in debootstrap busybox-static iptables tini btrfs-progs xfsprogs jq curl; do
  dpkg -s "$p" >/dev/null 2>&1 || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  log "installing ${need[*]}"
  apt_update_once
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null || fail "apt-get install ${need[*]} failed"
fi

step="docker engine"
# Not `dpkg -s | grep -q`: grep exits at the first match, and under pipefail dpkg's SIGPIPE fails the test.
if [[ "$(dpkg-query -W -f '${Version}' docker.io 2>/dev/null)" != 26.* ]]; then
  log "installing docker.io and containerd from $DOCKER_SUITE"
  apt_update_once
  engine=$(suite_deb "$DOCKER_SUITE" docker.io)
  ctrd=$(suite_deb "$DOCKER_SUITE" containerd)
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$engine" "$ctrd" >/dev/null \
    || fail "installing $engine failed"
  # The Debian package starts nothing without systemd; we start dockerd ourselves below.
fi

step="cli plugins"
plugdir=/usr/libexec/docker/cli-plugins
mkdir -p "$plugdir" "$STACK_DIR/compose-old"
install_plugin() { # SUITE PACKAGE BINARY DEST
  [ -x "$4" ] && return 0
  local deb tmp
  deb=$(suite_deb "$1" "$2")
  tmp=$(mktemp -d)
  dpkg -x "$deb" "$tmp"
  install -m 0755 "$tmp/usr/libexec/docker/cli-plugins/$3" "$4"
  rm -rf "$tmp"
}
install_plugin "$PLUGIN_SUITE" docker-buildx docker-buildx "$plugdir/docker-buildx"
install_plugin "$PLUGIN_SUITE" docker-compose docker-compose "$plugdir/docker-compose"
install_plugin "$COMPOSE_OLD_SUITE" docker-compose docker-compose "$STACK_DIR/compose-old/docker-compose"

step="helix-runc"
# The OCI runtime of HELIX_ISOLATION=unprivileged desktops (src/runtime), rebuilt when its source changes.
runc_src="$repo/src/runtime"
runc_stamp=$(cat "$runc_src"/go.mod "$runc_src"/go.sum "$runc_src"/*.go | sha256sum | cut -c1-16)
if [ "$(cat "$STACK_DIR/bin/helix-runc.stamp" 2>/dev/null)" != "$runc_stamp" ] || [ ! -x "$STACK_DIR/bin/helix-runc" ]; then
  command -v go >/dev/null || fail "no Go toolchain on PATH: helix-runc is built with Go (install Go, or put /usr/local/go/bin on PATH)"
  log "building helix-runc"
  (cd "$runc_src" && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$STACK_DIR/bin/helix-runc.new" .) \
    || fail "building helix-runc failed (needs the Go module proxy)"
  mv "$STACK_DIR/bin/helix-runc.new" "$STACK_DIR/bin/helix-runc"
  echo "$runc_stamp" >"$STACK_DIR/bin/helix-runc.stamp"
fi

step="dockerd"
mkdir -p /etc/docker
[ -f /etc/docker/daemon.json ] || echo '{}' >/etc/docker/daemon.json
jq -e . /etc/docker/daemon.json >/dev/null || fail "/etc/docker/daemon.json is not valid JSON"
# Registered beside whatever the file holds: merged, never overwritten. A running dockerd reloads its
# runtimes on SIGHUP.
if [ "$(jq -r '.runtimes["helix-runc"].path // ""' /etc/docker/daemon.json)" != "$STACK_DIR/bin/helix-runc" ]; then
  jq --arg p "$STACK_DIR/bin/helix-runc" '.runtimes["helix-runc"] = {path: $p}' /etc/docker/daemon.json >/etc/docker/daemon.json.helix \
    && mv /etc/docker/daemon.json.helix /etc/docker/daemon.json
  if pid=$(pgrep -x dockerd | head -1); then kill -HUP "$pid"; sleep 1; fi
fi
if ! docker info >/dev/null 2>&1; then
  log "starting dockerd (log: /var/log/dockerd.log)"
  setsid nohup dockerd >>/var/log/dockerd.log 2>&1 </dev/null &
  for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
  docker info >/dev/null 2>&1 || fail "dockerd did not answer within 60 s: last log lines: $(tail -3 /var/log/dockerd.log | tr '\n' ' ')"
fi

step="host state filesystem"
# Goldens and session data-roots on one btrfs filesystem: a session starts from its project's golden
# by a subvolume snapshot (constant time) instead of a copy. A loop file unless the operator mounted
# a filesystem there already; HELIX_HOST_FS=none keeps the directory as it is.
state=${HELIX_HOST_STATE_DIR:-/var/lib/helix-host}
fsimg=${HELIX_HOST_FS_IMAGE:-/var/lib/helix-host.btrfs}
mkdir -p "$state"
if [ "${HELIX_HOST_FS:-btrfs}" = btrfs ] && ! mountpoint -q "$state"; then
  if [ ! -f "$fsimg" ]; then
    log "creating a btrfs filesystem for $state ($fsimg, sparse, ${HELIX_HOST_FS_GB:-200} GB at most)"
    truncate -s "${HELIX_HOST_FS_GB:-200}G" "$fsimg" && mkfs.btrfs -q "$fsimg" >/dev/null || fail "mkfs.btrfs $fsimg failed"
  fi
  if [ -n "$(ls -A "$state")" ]; then
    # State written before this filesystem existed moves onto it once.
    log "moving the existing contents of $state onto the new filesystem"
    mnt=$(mktemp -d)
    mount -o loop "$fsimg" "$mnt" || fail "mounting $fsimg failed"
    cp -a "$state/." "$mnt/" && umount "$mnt" && rmdir "$mnt" || fail "copying $state onto $fsimg failed"
    find "$state" -mindepth 1 -maxdepth 1 -exec rm -rf {} +
  fi
  # discard: space freed inside goes back to the host disk.
  mount -o loop,discard,noatime "$fsimg" "$state" || fail "mounting $fsimg on $state failed"
elif [ "${HELIX_HOST_FS:-btrfs}" = btrfs ] && [ "$(findmnt -no SOURCE "$state" 2>/dev/null | xargs -r losetup -nO BACK-FILE 2>/dev/null)" = "$(realpath "$fsimg")" ] \
  && findmnt -no OPTIONS "$state" | grep -qE '(^|,)ro(,|$)'; then
  # btrfs forces itself read-only when the disk under its loop file fills; it mounts again cleanly
  # (its log replayed) once that disk has room. Sessions and the stack hold it open: the stack stops
  # here (started again below), sessions must be removed first.
  log "$state was forced read-only (did the disk under $fsimg fill?); mounting it again"
  running=$(docker ps -q --filter label=helix.role=session 2>/dev/null || true)
  [ -z "$running" ] || fail "$state is read-only and sessions still use it: remove them (helix session rm ID) and run again"
  docker ps -q --filter label=helix.managed=true | xargs -r docker stop >/dev/null
  umount "$state" && mount -o loop,discard,noatime "$fsimg" "$state" || fail "mounting $fsimg on $state again failed; see dmesg"
fi
# On our own loop file (settings the kernel forgets at unmount, so applied on every run):
# - direct I/O: without it every byte is cached twice (the filesystem's pages, then the loop file's on
#   the host filesystem) and one fsync inside flushes the whole loop file. Measured on the sample's
#   2.1 GB image moved into a session: 11.7-12.0 s with it, 13.8-14.1 s without.
# - dirty data bounded (HELIX_HOST_FS_DIRTY_MB, 0 for the kernel's default): by default the kernel lets
#   a tenth of memory pile up before writing back, and the next container create (its init layer's
#   unmount syncs the filesystem) pays for all of it: 1.5 s after a 2 GB move, 0.2-0.35 s bounded.
loopdev=$(findmnt -no SOURCE "$state" 2>/dev/null || true)
if [ "${loopdev#/dev/loop}" != "$loopdev" ] && [ "$(losetup -nO BACK-FILE "$loopdev" 2>/dev/null)" = "$(realpath "$fsimg")" ]; then
  losetup --direct-io=on "$loopdev" || log "note: $loopdev does not take direct I/O; left as it is"
  dirty_mb=${HELIX_HOST_FS_DIRTY_MB:-512}
  case $dirty_mb in ''|*[!0-9]*) fail "HELIX_HOST_FS_DIRTY_MB must be a whole number of MB, not '$dirty_mb'";; esac
  bdi=/sys/fs/btrfs/$(findmnt -no UUID "$state")/bdi
  if [ -d "$bdi" ]; then
    if [ "$dirty_mb" -gt 0 ]; then
      echo $((dirty_mb * 1024 * 1024)) >"$bdi/max_bytes" && echo 1 >"$bdi/strict_limit" || log "note: could not bound dirty data on $state"
    else
      echo 0 >"$bdi/strict_limit" && echo 100 >"$bdi/max_ratio" || true
    fi
  fi
fi

step="buildkit binaries"
if ! "$STACK_DIR/bin/buildkitd" --version 2>/dev/null | grep -q " $BUILDKIT_VERSION "; then
  command -v go >/dev/null || fail "no Go toolchain on PATH: buildkitd is built with 'go install' (install Go, or put /usr/local/go/bin on PATH)"
  log "building buildkitd and buildctl $BUILDKIT_VERSION with Go (about 5 minutes, once)"
  # 'go install mod@version' refuses buildkit: its go.mod has exclude directives. A throwaway main
  # module that requires it builds the same commands.
  gomod=$(mktemp -d)
  (cd "$gomod" && go mod init helix-buildkit-build >/dev/null 2>&1 \
    && go get "github.com/moby/buildkit/cmd/buildkitd@$BUILDKIT_VERSION" "github.com/moby/buildkit/cmd/buildctl@$BUILDKIT_VERSION" >/dev/null 2>&1 \
    && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X github.com/moby/buildkit/version.Version=$BUILDKIT_VERSION" \
      -o "$STACK_DIR/bin/" github.com/moby/buildkit/cmd/buildkitd github.com/moby/buildkit/cmd/buildctl) \
    || fail "building buildkit $BUILDKIT_VERSION failed (needs the Go module proxy and about 2 GB free)"
  rm -rf "$gomod"
fi
ln -sf "$STACK_DIR/bin/buildctl" /usr/local/bin/buildctl

step="base image"
base="debian:$BASE_SUITE"
if ! docker image inspect "$base" >/dev/null 2>&1; then
  rootfs="/var/cache/helix-rootfs/$BASE_SUITE"
  if [ ! -f "$rootfs.done" ]; then
    log "debootstrapping $BASE_SUITE (about 2 minutes, once)"
    rm -rf "$rootfs" && mkdir -p "$rootfs"
    debootstrap --variant=minbase --include=ca-certificates "$BASE_SUITE" "$rootfs" "$DEBIAN_MIRROR" >/var/log/helix-debootstrap.log 2>&1 \
      || fail "debootstrap $BASE_SUITE failed; see /var/log/helix-debootstrap.log"
    touch "$rootfs.done"
  fi
  tar -C "$rootfs" -c . | docker import -c 'CMD ["bash"]' - "$base" >/dev/null
fi
# A tiny image for quick tests.
if ! docker image inspect busybox:stable >/dev/null 2>&1; then
  tmp=$(mktemp -d); mkdir -p "$tmp/bin"
  cp /bin/busybox "$tmp/bin/busybox"
  for c in sh ls cat echo sleep true false env mkdir rm; do ln -s busybox "$tmp/bin/$c"; done
  tar -C "$tmp" -c . | docker import -c 'CMD ["sh"]' - busybox:stable >/dev/null
  rm -rf "$tmp"
fi

step="service images"
# Built from local bases only; cached by dockerd's builder, so a re-run costs about a second each.
# The image a tag named before is removed once the tag moved on (unless a container or another tag
# still uses it): each rebuild of a desktop image would otherwise leave ~1 GB behind, until the disk fills.
build() { # TAG DOCKERFILE CONTEXT [ARGS...]
  local tag=$1 file=$2 ctx=$3 old; shift 3
  old=$(docker image inspect -f '{{.Id}}' "$tag" 2>/dev/null || true)
  docker build -q -t "$tag" -f "$file" "$@" "$ctx" >/dev/null 2>/tmp/helix-build.err \
    || fail "docker build of $tag failed: $(tail -5 /tmp/helix-build.err | tr '\n' ' ')"
  # Only once no tag names it: removing an image by id also drops its last other tag.
  if [ -n "$old" ] && [ "$old" != "$(docker image inspect -f '{{.Id}}' "$tag")" ] \
    && [ "$(docker image inspect -f '{{len .RepoTags}}' "$old" 2>/dev/null)" = 0 ]; then
    docker image rm "$old" >/dev/null 2>&1 || true
  fi
}
bkctx=$(mktemp -d)
cp "$STACK_DIR/bin/buildkitd" "$STACK_DIR/bin/buildctl" "$bkctx/"
build "moby/buildkit:$BUILDKIT_VERSION" "$here/images/buildkit.Dockerfile" "$bkctx" --build-arg "BASE_IMAGE=$base"
rm -rf "$bkctx"
build registry:2 "$here/images/registry.Dockerfile" "$here/images" --build-arg "BASE_IMAGE=$base"
[ -f "$repo/dist/helix-registry-auth.mjs" ] && [ -f "$repo/dist/helix-facade.mjs" ] || fail "dist/helix-registry-auth.mjs or dist/helix-facade.mjs is missing: run 'npm run build' first"
build helix/registry-auth:dev "$here/images/registry-auth.Dockerfile" "$repo/dist" --build-arg "BASE_IMAGE=$base"

step="desktop image"
[ -f "$repo/init/helix-init.mjs" ] || fail "init/helix-init.mjs is missing: run 'npm run build' first"
# Debian's package names, and the newer buildx/compose plugins installed above.
build helix/ubuntu-helix:dev "$repo/Dockerfile.ubuntu-helix" "$repo" --build-arg "BASE_IMAGE=$base" \
  --build-arg "DOCKER_PACKAGES=docker.io docker-cli docker-buildx docker-compose" --build-context "plugins=$plugdir"

build helix/sway-helix:dev "$repo/Dockerfile.sway-helix" "$repo" --build-arg HELIX_IMAGE=helix/ubuntu-helix:dev
# The image authors' guide's Games-on-Whales-style desktop (docs/examples/gow-desktop), which the step-mode tests boot.
build helix/gow-style:dev "$repo/docs/examples/gow-desktop/Dockerfile" "$repo/docs/examples/gow-desktop" --build-arg HELIX_IMAGE=helix/ubuntu-helix:dev
# The image authors' guide's other example: a Debian image of its own given the toolkit by COPY --from.
docker image inspect helix/debian-desktop:dev >/dev/null 2>&1 || log "building helix/debian-desktop:dev (docs/examples/debian-desktop; a minute, once)"
build helix/debian-desktop:dev "$repo/docs/examples/debian-desktop/Dockerfile" "$repo/docs/examples/debian-desktop" --build-arg HELIX_IMAGE=helix/ubuntu-helix:dev --build-arg "BASE_IMAGE=$base"
# The compatibility image: the newest engine Debian has, for the tests that run on both engines.
step="desktop image, newest engine"
docker image inspect helix/ubuntu-helix:newest >/dev/null 2>&1 || log "building helix/ubuntu-helix:newest with $NEWEST_ENGINE_SUITE's docker.io (a few minutes, once)"
build helix/ubuntu-helix:newest "$repo/Dockerfile.ubuntu-helix" "$repo" --build-arg "BASE_IMAGE=$base" --build-arg "DOCKER_SUITE=$NEWEST_ENGINE_SUITE" \
  --build-arg "DOCKER_PACKAGES=docker.io docker-cli docker-buildx docker-compose" --build-context "plugins=$plugdir"

step=""
log "stack ready: $(docker version -f 'engine {{.Server.Version}}'), buildx $(docker buildx version | awk '{print $2}'), compose $(docker compose version --short), buildkit $BUILDKIT_VERSION"

#!/bin/sh
# helix docker wrapper, installed ahead of the real docker on PATH by helix-init.
# Only build command lines start Node; every other command execs the real docker at once.
real=${HELIX_REAL_DOCKER:-@REAL_DOCKER@}
node=${HELIX_NODE:-/opt/helix/bin/node}
skip=
sub=
for a in "$@"; do
  if [ -n "$skip" ]; then skip=; continue; fi
  case $a in
    --config|--context|-c|--host|-H|--log-level|-l|--tlscacert|--tlscert|--tlskey|--builder) skip=1 ;;
    -*) ;;
    *)
      if [ -z "$sub" ]; then
        case $a in
          build) sub=build; break ;;
          buildx|image|builder|compose) sub=$a ;;
          *) break ;;
        esac
      elif [ "$sub" = compose ]; then
        # Compose's own options sit before its subcommand: any word of a command that may build goes
        # to Node, which reads the line exactly and passes the rest through.
        case $a in build|up|run|create) sub=build; break ;; esac
      else
        # Second word of `docker buildx|image|builder ...`; buildx's own flags may sit between.
        case $a in build|b|bake) sub=build ;; esac
        break
      fi
      ;;
  esac
done
# buildx keeps per-user state (activity, build refs, a lock) in files only their writer can read, so
# users must not share a buildx config dir. Each gets its own, with the builders helix-init registered
# in the shared one copied in (again whenever helix-init changes them).
shared=@BUILDX_CONFIG@
case $sub in
  build|buildx|builder|compose)
    if [ "${BUILDX_CONFIG:-}" = "$shared" ] && [ -d "$shared/instances" ]; then
      own=$shared/users/$(id -u)
      if [ ! -d "$own/instances" ] || [ "$shared/instances" -nt "$own/instances" ]; then
        { mkdir -p "$own/instances" && cp -p "$shared"/instances/* "$own/instances/" && touch "$own/instances"; } 2>/dev/null
      fi
      [ -d "$own/instances" ] && export BUILDX_CONFIG="$own"
    fi
    ;;
esac
if [ "$sub" = build ] && [ -x "$node" ]; then
  # Node keeps the compiled wrapper here between calls (a cache miss only costs time).
  NODE_COMPILE_CACHE=${NODE_COMPILE_CACHE:-${TMPDIR:-/tmp}/helix-node-cache-$(id -u)} \
    HELIX_REAL_DOCKER=$real exec "$node" /opt/helix/lib/helix-docker.mjs "$@"
fi
exec "$real" "$@"

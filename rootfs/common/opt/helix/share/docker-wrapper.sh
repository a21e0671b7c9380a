#!/bin/sh
# helix docker wrapper, installed ahead of the real docker on PATH by helix-init.
# Only build command lines start Node; every other command execs the real docker at once.
real=${HELIX_REAL_DOCKER:-@REAL_DOCKER@}
node=${HELIX_NODE:-/opt/helix/bin/node}
skip=
sub=
confdir=
for a in "$@"; do
  if [ -n "$skip" ]; then
    [ "$skip" = config ] && confdir=$a
    skip=; continue
  fi
  case $a in
    --config) skip=config ;;
    --config=*) confdir=${a#--config=} ;;
    --context|-c|--host|-H|--log-level|-l|--tlscacert|--tlscert|--tlskey|--builder) skip=1 ;;
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
# every user keeps their own buildx dir, where buildx itself looks: helix-init registers the builders
# in a template and copies them into the dirs of root and the docker group; anyone else's get them
# here, as do all again whenever helix-init changes them. A container started with the template as
# BUILDX_CONFIG (older hosts set it) builds from the user's own dir too.
template=@BUILDX_TEMPLATE@
case $sub in
  build|buildx|builder|compose)
    [ "${BUILDX_CONFIG:-}" = "$template" ] && unset BUILDX_CONFIG
    own=${BUILDX_CONFIG:-${confdir:-${DOCKER_CONFIG:-${HOME:-/nonexistent}/.docker}}/buildx}
    for f in "$template"/instances/*; do
      [ -f "$f" ] || continue
      t=$own/instances/${f##*/}
      if [ ! -e "$t" ] || [ "$f" -nt "$t" ]; then
        { mkdir -p "$own/instances" && cp -p "$f" "$t"; } 2>/dev/null
      fi
    done
    ;;
esac
if [ "$sub" = build ] && [ -x "$node" ]; then
  # Node keeps the compiled wrapper here between calls (a cache miss only costs time).
  NODE_COMPILE_CACHE=${NODE_COMPILE_CACHE:-${TMPDIR:-/tmp}/helix-node-cache-$(id -u)} \
    HELIX_REAL_DOCKER=$real exec "$node" /opt/helix/lib/helix-docker.mjs "$@"
fi
exec "$real" "$@"

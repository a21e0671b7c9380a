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
        # Compose's own options sit before its subcommand: any build/up/run word goes to Node,
        # which reads the line exactly and passes the rest through.
        case $a in build|up|run) sub=build; break ;; esac
      else
        # Second word of `docker buildx|image|builder ...`; buildx's own flags may sit between.
        case $a in build|b) sub=build ;; esac
        break
      fi
      ;;
  esac
done
if [ "$sub" = build ] && [ -x "$node" ]; then
  # Node keeps the compiled wrapper here between calls (a cache miss only costs time).
  NODE_COMPILE_CACHE=${NODE_COMPILE_CACHE:-${TMPDIR:-/tmp}/helix-node-cache-$(id -u)} \
    HELIX_REAL_DOCKER=$real exec "$node" /opt/helix/lib/helix-docker.mjs "$@"
fi
exec "$real" "$@"

# helix: dockerd, the shared builder and the docker wrapper, as one step. Sourced by the entrypoint as
# root (under set -e a failed boot stops it, after one line saying why); leaves dockerd supervised.
_helix_env=$(/usr/local/bin/helix-init step)
eval "$_helix_env"; unset _helix_env

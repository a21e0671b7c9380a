# helix: dockerd, the shared builder and the docker wrapper, as one step. Sourced by the entrypoint as
# root (under set -e a failed boot stops it, after one line saying why); leaves dockerd supervised.
# In golden mode (HELIX_GOLDEN_BUILD=true) the step runs the golden build and what it prints ends the
# entrypoint with the startup script's exit code, before the desktop starts.
_helix_env=$(/usr/local/bin/helix-init step)
eval "$_helix_env"; unset _helix_env

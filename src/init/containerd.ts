// The containerd dockerd runs on, started by init just before dockerd rather than by dockerd itself.
// dockerd starting its own dials containerd's socket before containerd has made it, and gRPC's first
// retry comes a second later: measured, dockerd answered in 1.37 s that way and in 0.55 s on a
// containerd already listening. The same containerd as dockerd's own: its configuration, its root under
// the data-root (goldens carry it), its state and sockets under the exec-root. Pure.

export interface ContainerdPlan {
  /** Where the configuration file goes, and its text. */
  configPath: string;
  config: string;
  /** The socket dockerd is pointed at (`--containerd`). */
  socket: string;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/**
 * From daemon.json's keys: the containerd to start, or undefined when daemon.json names a containerd
 * of its own (then dockerd uses that one, as configured).
 */
export function containerdPlan(daemonJson: Readonly<Record<string, unknown>>): ContainerdPlan | undefined {
  if (daemonJson.containerd !== undefined) return undefined;
  const dataRoot = str(daemonJson['data-root']) ?? '/var/lib/docker';
  const execRoot = str(daemonJson['exec-root']) ?? '/var/run/docker';
  const dir = `${execRoot}/containerd`;
  const socket = `${dir}/containerd.sock`;
  // The keys dockerd writes for the containerd it starts itself (no CRI: dockerd is the only client).
  const config = [
    'version = 2',
    'disabled_plugins = ["io.containerd.grpc.v1.cri"]',
    'oom_score = 0',
    `root = ${JSON.stringify(`${dataRoot}/containerd/daemon`)}`,
    `state = ${JSON.stringify(`${dir}/daemon`)}`,
    '',
    '[grpc]',
    `  address = ${JSON.stringify(socket)}`,
    '',
    '[debug]',
    `  address = ${JSON.stringify(`${dir}/containerd-debug.sock`)}`,
    '',
  ].join('\n');
  return { configPath: `${dir}/containerd.toml`, config, socket };
}

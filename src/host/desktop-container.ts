// A desktop container, for a session, a golden build or a run: the desktop image running helix-init,
// which starts its own dockerd and so needs dockerd's privileges: the host's, or under
// HELIX_ISOLATION=unprivileged those of a user namespace of its own.
import type { HostConfig } from './host-config.js';
import { dindPrivileges, usernsHostConfig } from './privileges.js';

export interface DesktopContainer {
  name: string;
  hostname: string;
  image?: string;
  network: string;
  /** From desktopEnv (lib/session-contract) and anything the caller adds. */
  env: Record<string, string>;
  labels: Record<string, string>;
  binds: string[];
}

/** The container's create options, given /proc/self/status. Pure. */
export function desktopContainerSpec(cfg: HostConfig, d: DesktopContainer, procStatus: string): Record<string, unknown> {
  const priv = cfg.isolation === 'unprivileged' ? { binds: [], hostConfig: usernsHostConfig(cfg.usernsRuntime, procStatus) } : dindPrivileges(cfg.privileges, procStatus);
  return {
    name: d.name,
    Image: d.image ?? cfg.desktopImage,
    Hostname: d.hostname,
    Env: Object.entries(d.env).map(([k, v]) => `${k}=${v}`),
    Labels: { 'helix.managed': 'true', ...d.labels },
    HostConfig: { NetworkMode: d.network, Binds: [...d.binds, ...priv.binds], ...priv.hostConfig },
  };
}

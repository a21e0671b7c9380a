// Desktop sessions run their own dockerd, which needs near-root privileges. `--privileged` is right on
// real hosts but fails where the capability bounding set lacks a capability (these VMs lack
// CAP_SYS_RESOURCE); there, every available capability plus unconfined profiles works. Pure.

export type PrivilegeMode = 'privileged' | 'caps';

/** Linux capability names, indexed by number (linux/capability.h). */
const CAP_NAMES = [
  'CHOWN', 'DAC_OVERRIDE', 'DAC_READ_SEARCH', 'FOWNER', 'FSETID', 'KILL', 'SETGID', 'SETUID', 'SETPCAP',
  'LINUX_IMMUTABLE', 'NET_BIND_SERVICE', 'NET_BROADCAST', 'NET_ADMIN', 'NET_RAW', 'IPC_LOCK', 'IPC_OWNER',
  'SYS_MODULE', 'SYS_RAWIO', 'SYS_CHROOT', 'SYS_PTRACE', 'SYS_PACCT', 'SYS_ADMIN', 'SYS_BOOT', 'SYS_NICE',
  'SYS_RESOURCE', 'SYS_TIME', 'SYS_TTY_CONFIG', 'MKNOD', 'LEASE', 'AUDIT_WRITE', 'AUDIT_CONTROL', 'SETFCAP',
  'MAC_OVERRIDE', 'MAC_ADMIN', 'SYSLOG', 'WAKE_ALARM', 'BLOCK_SUSPEND', 'AUDIT_READ', 'PERFMON', 'BPF',
  'CHECKPOINT_RESTORE',
] as const;

/** The names of the capabilities in this process's bounding set, from /proc/self/status. */
export function boundingSet(procStatus: string): string[] {
  const hex = /^CapBnd:\s*([0-9a-f]+)/m.exec(procStatus)?.[1];
  if (!hex) return [...CAP_NAMES];
  const mask = BigInt(`0x${hex}`);
  return CAP_NAMES.filter((_, i) => (mask & (1n << BigInt(i))) !== 0n);
}

/** 'auto' picks privileged unless this host's bounding set lacks a capability --privileged adds. */
export function choosePrivilegeMode(setting: string | undefined, procStatus: string): PrivilegeMode {
  if (setting === 'privileged' || setting === 'caps') return setting;
  return boundingSet(procStatus).length < CAP_NAMES.length ? 'caps' : 'privileged';
}

/** Binds a container running dockerd or buildkitd needs: a writable cgroup fs, which only --privileged gives. */
export function privilegedBinds(mode: PrivilegeMode): string[] {
  return mode === 'caps' ? ['/sys/fs/cgroup:/sys/fs/cgroup:rw'] : [];
}

/** Everything a dockerd- or buildkitd-running container needs, for this host and setting. */
export function dindPrivileges(setting: string | undefined, procStatus: string): { binds: string[]; hostConfig: Record<string, unknown> } {
  const mode = choosePrivilegeMode(setting, procStatus);
  return { binds: privilegedBinds(mode), hostConfig: privilegedHostConfig(mode, procStatus) };
}

/**
 * A desktop under HELIX_ISOLATION=unprivileged: the runtime gives it a user namespace of its own, so
 * every capability and the unconfined profiles are its namespace's, not the host's; no host cgroup
 * tree, no device rule (the runtime hands it its own cgroups).
 */
export function usernsHostConfig(runtime: string, procStatus: string): Record<string, unknown> {
  return {
    Runtime: runtime,
    CapAdd: boundingSet(procStatus),
    SecurityOpt: ['seccomp=unconfined', 'apparmor=unconfined'],
    MaskedPaths: [],
    ReadonlyPaths: [],
  };
}

/**
 * HostConfig fields (other than binds) for a container that runs dockerd (or buildkitd) inside. In caps mode the
 * capabilities are named one by one from the bounding set: some engines expand ALL to capabilities
 * the host lacks, and some reject dropping a capability the host does not have.
 */
export function privilegedHostConfig(mode: PrivilegeMode, procStatus: string): Record<string, unknown> {
  if (mode === 'privileged') return { Privileged: true };
  return {
    CapAdd: boundingSet(procStatus),
    SecurityOpt: ['seccomp=unconfined', 'apparmor=unconfined'],
    // The API form of --security-opt systempaths=unconfined.
    MaskedPaths: [],
    ReadonlyPaths: [],
    DeviceCgroupRules: ['a *:* rwm'],
  };
}

import { describe, expect, it } from 'vitest';
import { desktopContainerSpec } from '../../src/host/desktop-container.js';
import { loadHostConfig } from '../../src/host/host-config.js';
import { boundingSet, choosePrivilegeMode, dindPrivileges, privilegedBinds, privilegedHostConfig, usernsHostConfig } from '../../src/host/privileges.js';

// CapBnd of these VMs (no CAP_SYS_RESOURCE) and of an ordinary root process on a real host.
const LACKING = 'Name:\tnode\nCapBnd:\t000001fffeffffff\n';
const FULL = 'Name:\tnode\nCapBnd:\t000001ffffffffff\n';

describe('privileges', () => {
  it('chooses privileged on a host whose bounding set is complete', () => {
    expect(choosePrivilegeMode(undefined, FULL)).toBe('privileged');
    expect(privilegedHostConfig('privileged', FULL)).toEqual({ Privileged: true });
    expect(privilegedBinds('privileged')).toEqual([]);
  });

  it('chooses named capabilities where the bounding set lacks SYS_RESOURCE', () => {
    expect(choosePrivilegeMode('auto', LACKING)).toBe('caps');
    const hc = privilegedHostConfig('caps', LACKING) as { CapAdd: string[] };
    expect(hc.CapAdd).toContain('SYS_ADMIN');
    expect(hc.CapAdd).not.toContain('SYS_RESOURCE');
    expect(hc).not.toHaveProperty('CapDrop');
    expect(privilegedBinds('caps')).toEqual(['/sys/fs/cgroup:/sys/fs/cgroup:rw']);
  });

  it('gives binds and HostConfig together for the chosen mode', () => {
    expect(dindPrivileges(undefined, FULL)).toEqual({ binds: [], hostConfig: { Privileged: true } });
    expect(dindPrivileges(undefined, LACKING)).toEqual({ binds: privilegedBinds('caps'), hostConfig: privilegedHostConfig('caps', LACKING) });
  });

  it('lets the operator choose', () => {
    expect(choosePrivilegeMode('privileged', LACKING)).toBe('privileged');
    expect(choosePrivilegeMode('caps', FULL)).toBe('caps');
  });

  it('reads the bounding set by capability name', () => {
    expect(boundingSet(LACKING)).toHaveLength(40);
    expect(boundingSet(FULL)).toHaveLength(41);
  });

  it('gives an unprivileged desktop its runtime, its namespace\'s capabilities, and nothing of the host: no privileged flag, cgroup tree or device rule', () => {
    const cfg = loadHostConfig({ HELIX_ISOLATION: 'unprivileged' });
    const spec = desktopContainerSpec(cfg, { name: 'd', hostname: 'd', network: 'n', env: {}, labels: {}, binds: ['/a:/b'] }, FULL) as { HostConfig: Record<string, unknown> };
    expect(spec.HostConfig).toEqual({ NetworkMode: 'n', Binds: ['/a:/b'], ...usernsHostConfig('helix-runc', FULL) });
    expect(spec.HostConfig).toMatchObject({ Runtime: 'helix-runc', MaskedPaths: [], ReadonlyPaths: [] });
    expect(spec.HostConfig).not.toHaveProperty('Privileged');
    expect(spec.HostConfig).not.toHaveProperty('DeviceCgroupRules');
    expect(loadHostConfig({ HELIX_ISOLATION: 'unprivileged', HELIX_USERNS_RUNTIME: 'r' }).usernsRuntime).toBe('r');
  });

  it('names a bad isolation in one line', () => {
    expect(loadHostConfig({}).isolation).toBe('privileged');
    expect(() => loadHostConfig({ HELIX_ISOLATION: 'rootless' })).toThrow(expect.objectContaining({ message: 'HELIX_ISOLATION="rootless" is not an isolation', hint: 'use privileged or unprivileged' }));
  });
});

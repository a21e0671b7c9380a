import { describe, expect, it } from 'vitest';
import { buildkitAddress, loadHostConfig, minFreeForBuildkit, registryAddress, renderBuildkitdToml, renderSidecarToml, sizeBytes } from '../../src/host/host-config.js';

describe('host config', () => {
  it("keeps Helix's names as defaults", () => {
    const c = loadHostConfig({});
    expect(registryAddress(c)).toBe('helix-registry:5000');
    expect(buildkitAddress(c)).toBe('tcp://helix-buildkit:1234');
    expect(c.network).toBe('helix-sandbox');
  });

  it('lets every name be overridden', () => {
    const c = loadHostConfig({ HELIX_BUILDKIT_NAME: 'bk', HELIX_REGISTRY_NAME: 'reg', HELIX_NETWORK: 'n' });
    expect(buildkitAddress(c)).toBe('tcp://bk:1234');
    expect(registryAddress(c)).toBe('reg:5000');
    expect(c.network).toBe('n');
  });

  it('bounds the BuildKit cache', () => {
    const toml = renderBuildkitdToml(loadHostConfig({ HELIX_BUILDKIT_MAX_USED: '50GB' }));
    expect(toml).toContain('[worker.oci]\n  enabled = true\n  gc = true\n  reservedSpace = "10GB"\n  maxUsedSpace = "50GB"\n  minFreeSpace = "20GB"');
  });

  it("keeps BuildKit's free-space floor above the blocks reserved for another user", () => {
    const reserved = 160 * 1024 ** 3;
    expect(renderBuildkitdToml(loadHostConfig({}), reserved)).toContain(`  minFreeSpace = "${20 * 1024 ** 3 + reserved}"`);
    expect(renderSidecarToml(loadHostConfig({}), reserved)).toContain(`  minFreeSpace = "${20 * 1024 ** 3 + reserved}"`);
    expect(minFreeForBuildkit('10%', reserved)).toBe('10%');
    expect(minFreeForBuildkit('20GB', 0)).toBe('20GB');
  });

  it('reads sizes as BuildKit does: binary multiples, with or without B', () => {
    expect(sizeBytes('20GB')).toBe(20 * 1024 ** 3);
    expect(sizeBytes('512MiB')).toBe(512 * 1024 ** 2);
    expect(sizeBytes('1.5g')).toBe(1.5 * 1024 ** 3);
    expect(sizeBytes('1024')).toBe(1024);
    expect(sizeBytes('lots')).toBeUndefined();
  });

  it('makes BuildKit trust the registry over http and use it as the docker.io mirror', () => {
    const toml = renderBuildkitdToml(loadHostConfig({}));
    expect(toml).toContain('[registry."helix-registry:5000"]\n  http = true\n  insecure = true');
    expect(toml).toContain('[registry."docker.io"]\n  mirrors = ["helix-registry:5000"]');
  });
});

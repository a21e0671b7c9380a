import { describe, expect, it } from 'vitest';
import { containerdPlan } from '../../src/init/containerd.js';

describe('containerdPlan', () => {
  it("is dockerd's own containerd: root under the data-root, state and sockets under the exec-root", () => {
    const p = containerdPlan({ 'insecure-registries': ['r:5000'] });
    expect(p?.socket).toBe('/var/run/docker/containerd/containerd.sock');
    expect(p?.configPath).toBe('/var/run/docker/containerd/containerd.toml');
    expect(p?.config).toContain('root = "/var/lib/docker/containerd/daemon"');
    expect(p?.config).toContain('state = "/var/run/docker/containerd/daemon"');
    expect(p?.config).toContain('[grpc]\n  address = "/var/run/docker/containerd/containerd.sock"');
    expect(p?.config).toContain('disabled_plugins = ["io.containerd.grpc.v1.cri"]');
  });

  it('follows the data-root and exec-root daemon.json sets', () => {
    const p = containerdPlan({ 'data-root': '/var/lib/helix-data/docker', 'exec-root': '/run/d' });
    expect(p?.config).toContain('root = "/var/lib/helix-data/docker/containerd/daemon"');
    expect(p?.socket).toBe('/run/d/containerd/containerd.sock');
  });

  it('leaves a containerd daemon.json names to dockerd', () => {
    expect(containerdPlan({ containerd: '/run/containerd/containerd.sock' })).toBeUndefined();
  });
});

// The shared services reconcile to their desired state; reconciling a healthy sandbox changes nothing.
// The host state filesystem setup mounts is tuned for writeback.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { buildkitHealthy, registryHealthy, sandboxUp } from '../../src/host/sandbox.js';
import { deps } from './helpers.js';

it('restarts nothing when the sandbox is already healthy', async () => {
  await sandboxUp(deps);
  const started = async () =>
    Promise.all([deps.cfg.buildkit.name, deps.cfg.registry.name, deps.cfg.registryAuth.name, deps.cfg.facade.name].map(async (n) => (await deps.engine.getContainer(n).inspect()).State.StartedAt));
  const before = await started();
  const second = await sandboxUp(deps);
  expect(second).toEqual({ network: false, registry: 'running', registryAuth: 'running', buildkit: 'running', facade: 'running' });
  expect(await started()).toEqual(before);
  expect(await buildkitHealthy(deps)).toBe(true);
  expect(await registryHealthy(deps.cfg)).toBe(true);
});

const out = (cmd: string, ...args: string[]) => spawnSync(cmd, args, { encoding: 'utf8' }).stdout.trim();
const stateSource = out('findmnt', '-no', 'SOURCE', deps.cfg.stateDir);

it.runIf(stateSource.startsWith('/dev/loop'))('mounts its loop file with direct I/O and a bound on dirty data', () => {
  expect(out('losetup', '-nO', 'DIO', stateSource)).toBe('1');
  const bdi = `/sys/fs/btrfs/${out('findmnt', '-no', 'UUID', deps.cfg.stateDir)}/bdi`;
  expect(readFileSync(`${bdi}/strict_limit`, 'utf8').trim()).toBe('1');
  // 512 MB by default; the kernel keeps it as a ratio of the dirty limit, so within a few percent.
  const maxMb = Number(readFileSync(`${bdi}/max_bytes`, 'utf8')) / 2 ** 20;
  expect(maxMb).toBeGreaterThan(480);
  expect(maxMb).toBeLessThan(540);
});

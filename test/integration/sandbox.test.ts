// The shared services reconcile to their desired state; reconciling a healthy sandbox changes nothing.
// The host state filesystem setup mounts is tuned for writeback.
import { spawnSync } from 'node:child_process';
import { readFileSync, statfsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
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
const onLoop = stateSource.startsWith('/dev/loop');
const bdi = `/sys/fs/btrfs/${out('findmnt', '-no', 'UUID', deps.cfg.stateDir)}/bdi`;

it.runIf(onLoop)('mounts its loop file with direct I/O and a bound on dirty data', () => {
  expect(out('losetup', '-nO', 'DIO', stateSource)).toBe('1');
  expect(readFileSync(`${bdi}/strict_limit`, 'utf8').trim()).toBe('1');
  // 512 MB by default; the kernel keeps it as a ratio of the dirty limit, so within a few percent.
  const maxMb = Number(readFileSync(`${bdi}/max_bytes`, 'utf8')) / 2 ** 20;
  expect(maxMb).toBeGreaterThan(480);
  expect(maxMb).toBeLessThan(540);
});

it.runIf(onLoop)('refuses a dirty bound that is not a whole number of MB, in one line, changing nothing', () => {
  const setup = fileURLToPath(new URL('../../scripts/setup-stack.sh', import.meta.url));
  const r = spawnSync('bash', [setup], { encoding: 'utf8', env: { ...process.env, HELIX_HOST_FS_DIRTY_MB: '1e3' } });
  expect(r.status).toBe(1);
  expect(r.stderr.trim().split('\n').at(-1)).toBe(`setup: FAILED at "host state filesystem": HELIX_HOST_FS_DIRTY_MB must be a whole number of MB, not '1e3'`);
  // Still the 512 MB bound (the kernel rescales its bytes as free memory moves, so not byte for byte).
  expect(Number(readFileSync(`${bdi}/max_bytes`, 'utf8')) / 2 ** 20).toBeLessThan(540);
  expect(readFileSync(`${bdi}/strict_limit`, 'utf8').trim()).toBe('1');
});

it("tells BuildKit a free-space floor that counts the data-root's reserved blocks, which BuildKit sees as free", async () => {
  await sandboxUp(deps);
  const root = ((await deps.engine.info()) as { DockerRootDir: string }).DockerRootDir;
  const st = statfsSync(root);
  const reserved = (st.bfree - st.bavail) * st.bsize;
  const toml = readFileSync(`${deps.cfg.stateDir}/buildkit/buildkitd.toml`, 'utf8');
  expect(toml).toContain(`  minFreeSpace = "${reserved > 0 ? 20 * 1024 ** 3 + reserved : '20GB'}"`);
  // And the BuildKit that runs has read it: its GC policy names that floor.
  const policy = spawnSync('docker', ['exec', deps.cfg.buildkit.name, 'buildctl', '--addr', 'unix:///run/buildkit/buildkitd.sock', 'debug', 'workers', '--format', '{{json .}}'], { encoding: 'utf8' });
  expect(policy.status, policy.stderr).toBe(0);
  expect(policy.stdout).toContain(`"minFreeSpace":${reserved > 0 ? 20 * 1024 ** 3 + reserved : 20 * 1024 ** 3}`);
});

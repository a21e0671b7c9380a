// Per-run BuildKit sidecars for docker-in-docker runs: builds really use the sidecar, its cache
// survives into the next run of the project, cleanup is complete and in order, a crashed run's
// leftovers are reaped, and the audit log says what happened.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { containerInfo, execIn } from '../../src/host/engine.js';
import { credentialsDirOf } from '../../src/host/credentials.js';
import { RunManager, runClient } from '../../src/host/run-sidecar.js';
import { deps, nonce } from './helpers.js';

const runs = new RunManager(deps);
const project = `itrun${process.pid}`;
const ids = [`${project}-a`, `${project}-b`, `${project}-c`];

const inRun = async (id: string, script: string) => execIn(deps.engine, `helix-run-${id}`, ['bash', '-lc', script]);
const audit = (id: string) =>
  readFileSync(join(runs.dir, 'audit.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { run: string; event: string })
    .filter((e) => e.run === id)
    .map((e) => e.event);

// A run's sidecar reaches no registry (not even the shared mirror), so the builds here are FROM scratch.
beforeAll(() => runs.reapOrphans());

afterAll(async () => {
  for (const id of ids) await runs.stop(id).catch(() => undefined);
  await deps.engine.getVolume(`helix-buildkit-cache-${project}`).remove().catch(() => undefined);
});

describe('run sidecar', () => {
  it('wires the run to its own BuildKit and cleans everything but the cache up in order', async () => {
    const [a, b] = ids as [string, string];
    const m = await runs.start(a, project);
    const env = await inRun(a, 'echo $BUILDKIT_HOST; docker buildx inspect helix-shared | grep -E "Endpoint|Driver Options"');
    expect(env.stdout).toMatch(/^tcp:\/\/buildkit:1234\n\s*Endpoint:\s+tcp:\/\/buildkit:1234/);
    // Over mutual TLS with the run's own client certificate.
    expect(env.stdout).toMatch(/cert="\/var\/lib\/helix\/credentials\/client.pem"/);
    const build = await inRun(a, `mkdir -p /tmp/c && printf 'FROM scratch\\nCOPY f /f\\n' > /tmp/c/Dockerfile && echo ${nonce()} > /tmp/c/f && cd /tmp/c && docker build --progress=plain -t run/app:1 . 2>&1`);
    expect(build.exitCode, build.stdout).toBe(0);
    expect(build.stdout).toContain('building with "helix-shared" instance using remote driver');
    expect((await inRun(a, 'docker image inspect -f ok run/app:1')).stdout.trim()).toBe('ok');

    await runs.stop(a);
    expect(await containerInfo(deps.engine, m.container)).toBeUndefined();
    expect(await containerInfo(deps.engine, m.sidecar)).toBeUndefined();
    expect((await deps.engine.listNetworks({ filters: { name: [m.network] } })).filter((n) => n.Name === m.network)).toEqual([]);
    expect((await runs.meta(a))?.state).toBe('stopped');
    expect(existsSync(credentialsDirOf(deps.cfg, runClient(a)))).toBe(false);
    expect(audit(a)).toEqual([
      'run_starting', 'network_created', 'cache_volume', 'certificates_issued', 'sidecar_started', 'sidecar_ready', 'run_container_started', 'run_ready',
      'run_container_removed', 'sidecar_removed', 'network_removed', 'data_volume_removed', 'run_stopped',
    ]);

    // The next run of the project finds the cache the first one filled.
    await runs.start(b, project);
    const again = await inRun(b, `mkdir -p /tmp/c && printf 'FROM scratch\\nCOPY f /f\\n' > /tmp/c/Dockerfile && cd /tmp/c && cp /dev/null f && docker build --progress=plain -t run/app:2 . 2>&1`);
    expect(again.exitCode, again.stdout).toBe(0);
    const events = readFileSync(join(runs.dir, 'audit.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { run: string; event: string; reused?: boolean });
    expect(events.find((e) => e.run === b && e.event === 'cache_volume')?.reused).toBe(true);
    await runs.stop(b);
  });

  it('reaps what a crashed run left behind', async () => {
    const c = ids[2] as string;
    const m = await runs.start(c, project);
    await deps.engine.getContainer(m.container).kill();
    expect(await runs.reapOrphans()).toEqual([c]);
    expect(await containerInfo(deps.engine, m.sidecar)).toBeUndefined();
    expect((await deps.engine.listNetworks({ filters: { label: [`helix.run=${c}`] } }))).toEqual([]);
    expect(audit(c)).toEqual(expect.arrayContaining(['orphan_found', 'sidecar_removed', 'network_removed', 'run_cleaned_after_failure']));
  });

  it('refuses a bad id and a run that already exists, creating nothing', async () => {
    await expect(runs.start('Bad Id', project)).rejects.toThrow(/invalid run id/);
  });
});

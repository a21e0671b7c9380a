// helix-init in real desktop containers from both Dockerfiles.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { execIn } from '../../src/host/engine.js';
import { sandboxUp } from '../../src/host/sandbox.js';
import { dataRootOf, removeSession, runGoldenSession, sessionFile, sessionName } from '../../src/host/session.js';
import { context, deps, nonce, session, sh, stateScratch } from './helpers.js';

const scratch = () => context({ Dockerfile: 'FROM scratch\nCOPY f /f\n', f: `${nonce()}\n` });

beforeAll(() => sandboxUp(deps));

describe.each(['helix/ubuntu-helix:dev', 'helix/sway-helix:dev'])('first boot of %s', (image) => {
  let id: string;
  beforeAll(async () => {
    id = await session(image.includes('sway') ? 'sway' : 'ubuntu', { image, binds: [`${scratch()}:/ctx:ro`] });
  });

  it('passes doctor', async () => {
    const r = await sh(id, 'helix-init doctor');
    expect(r.code, r.out).toBe(0);
    expect(r.out.match(/^ok /gm)).toHaveLength(5);
  });

  it("routes the unprivileged desktop user's builds to the shared builder", async () => {
    const r = await sh(id, "su - retro -c 'cd /ctx && docker build -t user/app:1 .'");
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(/^helix: user\/app:1 changed, pulled by digest from helix-shared's store/m);
  });

  it('lets root and the desktop user build in either order, again and again', async () => {
    for (let i = 0; i < 3; i++) {
      const order = i % 2 ? ['retro', 'root'] : ['root', 'retro'];
      for (const who of order) {
        const build = `cd /ctx && docker build -t ${who}/app:${i} . && docker buildx ls >/dev/null`;
        const r = await sh(id, who === 'root' ? build : `su - retro -c '${build}'`);
        expect(r.code, `${who}, round ${i}: ${r.err}`).toBe(0);
        expect(r.status).toMatch(/^helix: \S+ (changed, pulled by digest|already present|unchanged)/);
      }
    }
    // Both users' builds reached the event log the host reads.
    const events = readFileSync(sessionFile(deps.cfg, id, 'events'), 'utf8');
    for (const tag of ['root/app:0', 'retro/app:0', 'retro/app:2']) expect(events).toContain(`"${tag}"`);
  });

  it('exports the environment to non-login shells too', async () => {
    const r = await sh(id, "su retro -s /bin/bash -c 'bash -ic \"echo \\$BUILDX_BUILDER\"' 2>/dev/null");
    expect(r.out.trim().split('\n').pop()).toBe('helix-shared');
  });

  if (image.includes('sway')) {
    it("ran the image author's boot.d step", async () => {
      expect((await sh(id, 'stat -c %U /run/user/1000')).out.trim()).toBe('retro');
    });
  }
});

describe('restart', () => {
  it('duplicates nothing and loses nothing', async () => {
    const id = await session('restart', { binds: [`${scratch()}:/ctx:ro`] });
    expect((await sh(id, 'cd /ctx && docker build -t keep/me:1 .')).code).toBe(0);
    const files = 'cat /etc/environment /etc/bash.bashrc /etc/docker/daemon.json /etc/profile.d/helix-docker.sh';
    const before = await sh(id, files);
    await execIn(deps.engine, sessionName(id), ['rm', '-f', '/run/helix/ready']);
    await deps.engine.getContainer(sessionName(id)).restart({ t: 30 });
    for (let i = 0; i < 240 && (await execIn(deps.engine, sessionName(id), ['test', '-f', '/run/helix/ready']).catch(() => ({ exitCode: 1 }))).exitCode !== 0; i++) await sleep(250);
    const after = await sh(id, files);
    expect(after.out).toBe(before.out);
    expect(after.out.match(/^BUILDX_BUILDER=/gm)).toHaveLength(1);
    expect((await sh(id, 'docker image inspect -f ok keep/me:1')).out.trim()).toBe('ok');
    expect((await sh(id, "docker buildx ls | grep -c '^helix-shared'")).out.trim()).toBe('1');
    expect((await sh(id, 'helix-init doctor')).code).toBe(0);
  });

  it('leaves no volume behind when the session is removed', async () => {
    const id = await session('volumes');
    // The desktop image declares VOLUME /var/lib/docker: each session gets an anonymous one.
    const { Mounts } = await deps.engine.getContainer(sessionName(id)).inspect();
    const volumes = Mounts.filter((m) => m.Type === 'volume').map((m) => m.Name as string);
    expect(volumes.length).toBeGreaterThan(0);
    await removeSession(deps.engine, deps.cfg, id);
    const left = (await deps.engine.listVolumes()).Volumes.map((v) => v.Name);
    expect(left.filter((v) => volumes.includes(v))).toEqual([]);
  });
});

describe('supervision', () => {
  it('restarts dockerd when it dies', async () => {
    const id = await session('superv');
    const before = (await sh(id, 'pidof dockerd')).out.trim();
    await sh(id, 'kill -9 $(pidof dockerd)');
    let after = '';
    for (let i = 0; i < 60 && !after; i++) {
      await sleep(500);
      const r = await sh(id, 'docker info -f {{.ServerVersion}} >/dev/null 2>&1 && pidof dockerd');
      if (r.code === 0) after = r.out.trim();
    }
    expect(after).not.toBe('');
    expect(after).not.toBe(before);
  });

  it('starts the containerd dockerd runs on itself, and restarts it when it dies', async () => {
    const id = await session('supervctrd');
    const args = (await sh(id, 'ps -o args= -C dockerd')).out.trim();
    expect(args).toBe('dockerd --containerd /var/run/docker/containerd/containerd.sock');
    const before = (await sh(id, 'pidof containerd')).out.trim();
    await sh(id, 'kill -9 $(pidof containerd)');
    let ran = -1;
    for (let i = 0; i < 60 && ran !== 0; i++) {
      await sleep(500);
      ran = (await sh(id, 'docker run --rm debian:trixie true')).code;
    }
    expect(ran).toBe(0);
    expect((await sh(id, 'pidof containerd')).out.trim()).not.toBe(before);
  });
});

describe('faults at boot', () => {
  it('boots without the shared BuildKit, warns once, and builds locally', async () => {
    const id = await session('nobk', { binds: [`${scratch()}:/ctx:ro`], env: { BUILDKIT_HOST: 'tcp://nowhere.invalid:1234' } });
    const logs = (await deps.engine.getContainer(sessionName(id)).logs({ stdout: true, stderr: true })).toString();
    expect(logs).toMatch(/warning: shared BuildKit at tcp:\/\/nowhere.invalid:1234 is unreachable; builds use the local builder until it can be used/);
    const r = await sh(id, 'cd /ctx && docker build -t local/app:1 .');
    expect(r.code, r.err).toBe(0);
    expect(r.status).toMatch(/built with the local builder/);
  });

  it.each([
    ['/etc/docker/daemon.json', '{"debug": ', /\/etc\/docker\/daemon.json is not valid JSON/],
    ['/etc/environment', 'PATH=/usr/bin\nthis line is not an assignment\n', /\/etc\/environment:2: not a KEY=value line/],
  ])('stops with one line naming a malformed %s, leaving it untouched', async (path, content, message) => {
    const dir = context({ file: content });
    await expect(session('bad', { binds: [`${join(dir, 'file')}:${path}`] })).rejects.toThrow(message);
    expect(readFileSync(join(dir, 'file'), 'utf8')).toBe(content);
  });
});

describe('golden mode and golden restore', () => {
  const script = (body: string) => context({ 'startup.sh': `set -e\n${body}\n` });

  it('exits with the startup script code and writes its result, failure included', async () => {
    const id = `t${process.pid}-gfail`;
    const r = await runGoldenSession(deps.engine, deps.cfg, { id, binds: [`${script('echo failing; exit 3')}/startup.sh:/opt/helix/startup.sh:ro`] });
    await removeSession(deps.engine, deps.cfg, id);
    expect(r.exitCode).toBe(3);
    expect(r.result).toMatchObject({ exitCode: 3, cleaned: false });
  });

  it('makes a golden whose images a new session has at boot, restore time logged', async () => {
    const ctx = context({ Dockerfile: `FROM debian:trixie\nRUN echo ${nonce()} > /n\nCMD ["sleep", "infinity"]\n` });
    const body = 'cd /ctx && docker build -t golden/app:1 . && docker run -d --name leftover golden/app:1';
    const gid = `t${process.pid}-gbuild`;
    const r = await runGoldenSession(deps.engine, deps.cfg, { id: gid, binds: [`${script(body)}/startup.sh:/opt/helix/startup.sh:ro`, `${ctx}:/ctx:ro`] });
    expect(r.exitCode, r.logs).toBe(0);
    expect(r.result).toMatchObject({ exitCode: 0, cleaned: true });

    // Promote: the stopped data-root becomes a golden generation.
    const golden = stateScratch();
    renameSync(dataRootOf(deps.cfg, gid), join(golden, 'docker'));
    writeFileSync(join(golden, 'golden.json'), '{}\n');
    await removeSession(deps.engine, deps.cfg, gid);

    const id = await session('fromgolden', { golden: { dir: golden, id: 'gen-1' } });
    expect((await sh(id, "docker images --format '{{.Repository}}:{{.Tag}}'")).out).toContain('golden/app:1');
    expect((await sh(id, 'docker ps -aq')).out).toBe('');
    const logs = (await deps.engine.getContainer(sessionName(id)).logs({ stdout: true, stderr: true })).toString();
    expect(logs).toMatch(/restored golden gen-1 \(\d+ MB\) by (btrfs-snapshot|reflink|copy|parallel-copy) in [\d.]+s/);
  });
});

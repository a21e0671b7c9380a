// The boundary HELIX_ISOLATION=unprivileged draws: nothing in a session, root included and the desktop
// user through the docker group, holds a privilege on the sandbox host. The escape probe (a privileged
// container the session runs, making the host state filesystem's block device and reading the CA's key
// from it) works from a privileged session, which shows the probe is real, and fails from an
// unprivileged one. The runtime that draws it (helix-runc) must leave host state whole when a create
// fails; and what a golden holds is owned on disk as in a privileged session, so one restores into both.
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { GoldenBuilder } from '../../src/host/golden-build.js';
import { GoldenStore } from '../../src/host/golden-store.js';
import { loadHostConfig } from '../../src/host/host-config.js';
import { sandboxUp } from '../../src/host/sandbox.js';
import { dataRootOf } from '../../src/host/session.js';
import { context, deps, nonce, session, sh } from './helpers.js';

const exec = promisify(execFile);
const privileged = loadHostConfig({ ...process.env, HELIX_ISOLATION: 'privileged' });
const unprivileged = loadHostConfig({ ...process.env, HELIX_ISOLATION: 'unprivileged' });

/** The state dir's device, its numbers, and the state dir's path on it, as the host's mount table has them. */
async function stateDevice(): Promise<{ source: string; major: number; minor: number; path: string }> {
  const { stdout } = await exec('findmnt', ['-no', 'SOURCE,TARGET', '-T', deps.cfg.stateDir]);
  const [source, target] = stdout.trim().split(/\s+/) as [string, string];
  const rdev = statSync(source).rdev;
  return { source, major: (rdev >> 8) & 0xfff, minor: (rdev & 0xff) | ((rdev >> 12) & 0xfff00), path: relative(target, deps.cfg.stateDir) };
}

/**
 * The probe, from a session: a privileged container makes the device, mounts it and lists the CA. The
 * node has the host's name for it: btrfs shows the last path it was mounted by in the host's table.
 */
async function probe(id: string, asUser: boolean): Promise<{ code: number; out: string }> {
  const dev = await stateDevice();
  const inner = `mknod ${dev.source} b ${dev.major} ${dev.minor}; mkdir -p /m && mount -o ro ${dev.source} /m && ls /m/${dev.path || '.'}/pki`;
  const cmd = `docker run --rm --privileged busybox:stable sh -c "${inner}"`;
  const r = await sh(id, asUser ? `su - retro -c '${cmd}'` : cmd);
  return { code: r.code, out: r.out };
}

const docker = (args: string[]) => exec('docker', args).then(() => ({ code: 0, err: '' }), (e: { code?: number; stderr?: string }) => ({ code: e.code ?? 1, err: String(e.stderr) }));

/** Every mount the runtime holds on the host, and what it keeps per container. */
function runtimeMounts(): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((l) => l.split(' ')[4] ?? '').filter((p) => p.startsWith('/run/helix-runc/'));
}

beforeAll(() => sandboxUp(deps));

describe('unprivileged sessions', () => {
  it('refuses the escape probe as root and as the desktop user; the same probe reads the CA from a privileged session', async () => {
    const priv = await session('iso-priv', {}, privileged);
    const unpriv = await session('iso-unpriv', {}, unprivileged);
    const open = await probe(priv, false);
    expect(open.code, open.out).toBe(0);
    expect(open.out.split('\n')).toContain('ca.key');
    for (const asUser of [false, true]) {
      const r = await probe(unpriv, asUser);
      expect(r.code).not.toBe(0);
      expect(r.out).not.toContain('ca.key');
    }
    // Root of the session is a uid range of the host's, from HELIX_USERNS_BASE.
    const [inside, host, size] = (await sh(unpriv, 'cat /proc/self/uid_map')).out.trim().split(/\s+/).map(Number) as [number, number, number];
    expect([inside, size]).toEqual([0, 65536]);
    expect((host - unprivileged.usernsBase) % 65536).toBe(0);
    expect((await sh(priv, 'cat /proc/self/uid_map')).out.trim().split(/\s+/)).toEqual(['0', '0', '4294967295']);
    // Its cgroups are its own to divide, not to widen: the limits on them stay the host's.
    const widen = await sh(unpriv, 'for f in pids/pids.max memory/memory.limit_in_bytes cpu/cpu.shares; do (echo 1024 > /sys/fs/cgroup/$f) 2>/dev/null && echo "wrote $f" || echo refused; done');
    expect(widen.out).toBe('refused\nrefused\nrefused\n');
  });

  it('gives each desktop a uid range no other desktop holds, desktops started at once included', async () => {
    const ids = await Promise.all(['iso-r1', 'iso-r2', 'iso-r3'].map((n) => session(n, {}, unprivileged)));
    const ranges = await Promise.all(ids.map(async (id) => (await sh(id, 'cat /proc/self/uid_map')).out.trim().split(/\s+/)[1]));
    expect(new Set(ranges).size).toBe(3);
    // A container the desktop runs is in the desktop's range, not the host's.
    const inner = await sh(ids[0] as string, 'docker run --rm busybox:stable cat /proc/self/uid_map');
    expect(inner.out.trim().split(/\s+/)).toEqual(['0', ranges[0], '65536']);
  });

  it('builds, runs and keeps its data-root owned on disk as a privileged session does', async () => {
    const dir = context({ Dockerfile: `FROM debian:trixie\nRUN echo ${nonce()} > /n && useradd -u 4242 app && touch /owned && chown app /owned\n` });
    const id = await session('iso-build', { binds: [`${dir}:/ctx:ro`] }, unprivileged);
    const r = await sh(id, "su - retro -c 'cd /ctx && docker build -q -t iso/app . && docker run --rm iso/app stat -c %u /owned'");
    expect(r.code, r.err).toBe(0);
    expect(r.out.trim().split('\n').at(-1)).toBe('4242');
    const root = dataRootOf(deps.cfg, id);
    expect(statSync(join(root, 'image')).uid).toBe(0);
    expect(statSync(join(root, 'overlay2')).uid).toBe(0);
  });

  it('restores a golden a privileged build made, with its images', async () => {
    const p = `iso${process.pid}`;
    const store = new GoldenStore(`${deps.cfg.stateDir}/goldens`);
    const ctx = context({ Dockerfile: `FROM debian:trixie\nRUN echo golden-${nonce()} > /g\n` });
    const script = context({ 'startup.sh': `set -e\ncd /ctx && docker build -t ${p}/app:1 .\n` });
    mkdirSync(join(deps.cfg.stateDir, 'projects'), { recursive: true });
    const projectFile = join(deps.cfg.stateDir, 'projects', `${p}.json`);
    writeFileSync(projectFile, JSON.stringify({ startupScript: `${script}/startup.sh`, binds: [`${ctx}:/ctx:ro`], timeoutMinutes: 10 }));
    try {
      expect(await new GoldenBuilder({ ...deps, cfg: privileged }, store).trigger(p)).toBe('built');
      const golden = await store.current(p);
      expect(golden).toBeDefined();
      const id = await session('iso-golden', { project: p, golden: { dir: golden!.dir, id: `${p}/gen-${golden!.meta.generation}` } }, unprivileged);
      const r = await sh(id, `su - retro -c 'docker run --rm ${p}/app:1 cat /g'`);
      expect(r.code, r.err).toBe(0);
      expect(r.out).toMatch(/^golden-/);
    } finally {
      rmSync(store.projectDir(p), { recursive: true, force: true });
      rmSync(projectFile, { force: true });
    }
  });
});

describe('helix-runc', () => {
  it('refuses a bad mapping in one line naming it, and leaves host state whole when a create fails', async () => {
    const before = runtimeMounts();
    const image = (await exec('docker', ['run', '--rm', 'busybox:stable', 'ls', '-R', '/bin', '/etc'])).stdout;
    const bad = await docker(['run', '--rm', '--runtime', 'helix-runc', '--annotation', 'io.helix.userns=0:1', 'busybox:stable', 'true']);
    expect(bad.code).not.toBe(0);
    expect(bad.err).toContain('helix-runc: ');
    expect(bad.err).toContain('io.helix.userns "0:1": want HOSTID:SIZE, HOSTID above 0');
    // runc refuses this one after the runtime has mounted the image's layers.
    const late = await docker(['run', '--rm', '--runtime', 'helix-runc', 'busybox:stable', '/no/such/command']);
    expect(late.code).not.toBe(0);
    expect(late.err).toContain('/no/such/command');
    expect(runtimeMounts()).toEqual(before);
    // The image is whole: its layers were only ever mounted read-only.
    expect((await exec('docker', ['run', '--rm', 'busybox:stable', 'ls', '-R', '/bin', '/etc'])).stdout).toBe(image);
  });
});

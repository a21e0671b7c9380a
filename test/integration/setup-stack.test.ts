// Against the real stack: scripts/setup-stack.sh, which every test run and every operator runs first,
// on the faults its own comments name: the host state filesystem btrfs forced read-only, and stack
// images a rebuild replaced. In a file of its own: a session still running would hold the filesystem.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { sandboxUp } from '../../src/host/sandbox.js';
import { deps, nonce, session, sh } from './helpers.js';

const run = nonce();
const cleanups: Array<() => unknown> = [];

beforeAll(() => sandboxUp(deps));
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

const SETUP = join(import.meta.dirname, '..', '..', 'scripts', 'setup-stack.sh');
const setup = () => spawnSync('bash', [SETUP], { encoding: 'utf8' });
const docker = (...args: string[]) => spawnSync('docker', args, { encoding: 'utf8' });
const mountOptions = () => spawnSync('findmnt', ['-no', 'OPTIONS', deps.cfg.stateDir], { encoding: 'utf8' }).stdout.trim().split(',');
const lastLine = (s: string) => s.trim().split('\n').pop();

it('mounts the host state filesystem again once btrfs forced it read-only, but not under a running session', async () => {
  expect(mountOptions()).toContain('rw');
  const goldens = readdirSync(join(deps.cfg.stateDir, 'goldens')).sort();
  // A session's dockerd writes there: no read-only remount while one runs (another file's, left over).
  expect(docker('ps', '-q', '--filter', 'label=helix.role=session').stdout.trim(), 'a session still runs').toBe('');
  // What setup goes by: a container labelled as a session holds the filesystem.
  const fake = docker('run', '-d', '--rm', '--label', 'helix.role=session', 'busybox:stable', 'sleep', '600').stdout.trim();
  try {
    // btrfs forces itself read-only whatever is open; a remount has to wait until the sessions an
    // earlier test file removed are gone from the kernel too (their mounts go a while after the
    // containers: seen busy for over 30 s, free within a minute or two).
    let ro = spawnSync('mount', ['-o', 'remount,ro', deps.cfg.stateDir], { encoding: 'utf8' });
    for (let i = 0; i < 360 && ro.status !== 0; i++) {
      await sleep(500);
      ro = spawnSync('mount', ['-o', 'remount,ro', deps.cfg.stateDir], { encoding: 'utf8' });
    }
    expect(ro.status, ro.stderr).toBe(0);
    const refused = setup();
    expect(refused.status).toBe(1);
    expect(lastLine(refused.stderr)).toBe(`setup: FAILED at "host state filesystem": ${deps.cfg.stateDir} is read-only and sessions still use it: remove them (helix session rm ID) and run again`);
    expect(mountOptions()).toContain('ro');
    docker('rm', '-f', fake);
    const mended = setup();
    expect(mended.status, mended.stderr).toBe(0);
    expect(mended.stderr).toContain(`setup: ${deps.cfg.stateDir} was forced read-only`);
    expect(mountOptions()).toContain('rw');
  } finally {
    docker('rm', '-f', fake);
    spawnSync('mount', ['-o', 'remount,rw', deps.cfg.stateDir]);
    await sandboxUp(deps);
  }
  expect(readdirSync(join(deps.cfg.stateDir, 'goldens')).sort()).toEqual(goldens);
  // The stack it stopped serves again.
  const id = await session('setup-ro');
  expect((await sh(id, 'docker buildx inspect --bootstrap >/dev/null && echo up')).out).toBe('up\n');
});

it('removes the image a rebuilt tag named before, unless another tag still names it', () => {
  const make = (label: string, ...tags: string[]) => {
    const r = spawnSync('docker', ['build', '-q', ...tags.flatMap((t) => ['-t', t]), '-'], { input: `FROM busybox:stable\nLABEL stale=${run}-${label}\n`, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    return r.stdout.trim();
  };
  const real = docker('image', 'inspect', '-f', '{{.Id}}', 'helix/gow-style:dev').stdout.trim();
  const stale = make('gone', 'helix/gow-style:dev');
  const shared = make('kept', 'helix/sway-helix:dev', `setup/kept:${run}`);
  cleanups.push(() => docker('image', 'rm', `setup/kept:${run}`));
  const r = setup();
  expect(r.status, r.stderr).toBe(0);
  expect(docker('image', 'inspect', stale).status).not.toBe(0);
  expect(docker('image', 'inspect', '-f', '{{.Id}}', 'helix/gow-style:dev').stdout.trim()).toBe(real);
  expect(docker('image', 'inspect', '-f', '{{.RepoTags}}', shared).stdout.trim()).toBe(`[setup/kept:${run}]`);
});

it("registers helix-runc beside the operator's daemon.json keys, and names a daemon.json that is not JSON in one line", () => {
  const file = '/etc/docker/daemon.json';
  const before = readFileSync(file, 'utf8');
  try {
    // The operator's keys stay; an outdated runtime path is put right.
    writeFileSync(file, JSON.stringify({ 'log-level': 'info', runtimes: { other: { path: '/usr/bin/runc' }, 'helix-runc': { path: '/old/helix-runc' } } }));
    const r = setup();
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ 'log-level': 'info', runtimes: { other: { path: '/usr/bin/runc' }, 'helix-runc': { path: '/opt/helix-stack/bin/helix-runc' } } });
    expect(docker('info', '-f', '{{json .Runtimes}}').stdout).toContain('"helix-runc"');
    writeFileSync(file, '{"log-level": ');
    const bad = setup();
    expect(bad.status).not.toBe(0);
    expect(lastLine(bad.stderr)).toBe('setup: FAILED at "dockerd": /etc/docker/daemon.json is not valid JSON');
    expect(readFileSync(file, 'utf8')).toBe('{"log-level": ');
  } finally {
    writeFileSync(file, before);
    spawnSync('bash', [SETUP]);
  }
});

import { describe, expect, it } from 'vitest';
import { dockerRunArgs, identityEnv, ownProject } from '../../src/host/desktop-identity.js';
import { checkId } from '../../src/host/ids.js';
import { loadHostConfig } from '../../src/host/host-config.js';
import { sessionCreateOptions } from '../../src/host/session.js';

const cfg = loadHostConfig({ HELIX_STATE_DIR: '/var/lib/helix-host' });

describe('dockerRunArgs', () => {
  const args = dockerRunArgs(cfg, 'desk1', 'web');

  it('is one word a line, so docker run $(...) takes each as one argument', () => {
    for (const a of args) expect(a).toMatch(/^--[a-z]+=\S+$/);
  });

  it('names the network, mounts the credentials read-only, and gives the environment a session gets, on its own data-root', () => {
    expect(args[0]).toBe(`--network=${cfg.network}`);
    expect(args).toContain('--volume=/var/lib/helix-host/credentials/session-desk1:/run/helix-credentials:ro');
    const env = Object.fromEntries(args.filter((a) => a.startsWith('--env=')).map((a) => a.slice('--env='.length).split(/=(.*)/s).slice(0, 2)));
    expect(env).toMatchObject({ BUILDX_BUILDER: cfg.builderName, HELIX_PROJECT: 'web', BUILDKIT_HOST: expect.stringMatching(/^tcp:\/\//) });
    expect(env).not.toHaveProperty('HELIX_DATA_ROOT');
    expect(env).not.toHaveProperty('HELIX_READY_FILE');
    const session = (sessionCreateOptions(cfg, { id: 'desk1', project: 'web' }, 'CapBnd:\t000001ffffffffff\n') as { Env: string[] }).Env;
    const sessionOnly = ['HELIX_DATA_ROOT', 'HELIX_EVENTS_FILE', 'HELIX_READY_FILE'];
    expect(session.filter((e) => !sessionOnly.includes(e.split('=')[0] as string)).sort()).toEqual(Object.entries(env).map(([k, v]) => `${k}=${v}`).sort());
    expect(identityEnv(cfg, { project: 'web', dataMount: true })).toHaveProperty('HELIX_DATA_ROOT');
  });

  it('refuses an id that could leave the credentials directory', () => {
    expect(() => dockerRunArgs(cfg, '../x', 'web')).toThrowError(/invalid session id/);
  });

  it("adds an unprivileged desktop's runtime and its namespace's privileges under HELIX_ISOLATION=unprivileged, and nothing else", () => {
    const unpriv = dockerRunArgs(loadHostConfig({ HELIX_STATE_DIR: '/var/lib/helix-host', HELIX_ISOLATION: 'unprivileged' }), 'desk1', 'web');
    expect(unpriv.slice(0, args.length)).toEqual(args);
    expect(unpriv.slice(args.length)).toEqual(['--runtime=helix-runc', '--cap-add=ALL', '--security-opt=seccomp=unconfined', '--security-opt=apparmor=unconfined', '--security-opt=systempaths=unconfined']);
    for (const a of unpriv) expect(a).toMatch(/^--[a-z-]+=\S+$/);
    expect(args.some((a) => a.startsWith('--runtime'))).toBe(false);
  });
});

describe('project ids', () => {
  it('are their namespace as they are: ids a lossy mapping would merge are refused, with the rule', () => {
    expect(checkId('project', 'app')).toBe('app');
    expect(checkId('project', 'app.v2_x--y')).toBe('app.v2_x--y');
    for (const bad of ['app-', 'app.', '-app', 'a..b', 'a._b', 'App']) expect(() => checkId('project', bad)).toThrowError(/invalid project id .*separated by single/);
  });

  it("give a desktop started without one a project of its own, which no operator's project can be", () => {
    expect(ownProject('desk1')).toBe('session.desk1');
    expect(ownProject('desk1')).not.toBe(ownProject('desk2'));
    expect(() => checkId('project', 'session.desk1')).toThrowError(/not starting with "session\."/);
    expect(() => ownProject('desk-')).toThrowError(/cannot name a namespace of its own/);
    const env = (sessionCreateOptions(cfg, { id: 'desk1' }, 'CapBnd:\t000001ffffffffff\n') as { Env: string[] }).Env;
    expect(env).toContain('HELIX_PROJECT=session.desk1');
  });
});

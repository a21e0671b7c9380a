import { describe, expect, it } from 'vitest';
import { keptByBuilder } from '../../src/host/buildkit-release.js';
import { identityEnv } from '../../src/host/desktop-identity.js';
import { loadHostConfig } from '../../src/host/host-config.js';
import { builderFor, projectPkiDir, projectStatesDir } from '../../src/host/tenancy.js';

const shared = loadHostConfig({});
const project = loadHostConfig({ HELIX_TENANCY: 'project' });

describe('tenancy', () => {
  it('is shared unless the host asks for one builder per project', () => {
    expect(shared.tenancy).toBe('shared');
    expect(project.tenancy).toBe('project');
    expect(() => loadHostConfig({ HELIX_TENANCY: 'projects' })).toThrow(expect.objectContaining({ message: 'HELIX_TENANCY="projects" is not a tenancy', hint: 'use shared or project' }));
  });

  it('refuses project tenancy without client certificates, which is what keeps projects apart', () => {
    expect(() => loadHostConfig({ HELIX_TENANCY: 'project', HELIX_BUILDKIT_TLS: '0' })).toThrow(/needs BuildKit's mutual TLS/);
  });

  it('gives every project the shared builder under shared tenancy', () => {
    expect(builderFor(shared, 'app')).toEqual({ name: 'helix-buildkit', alias: 'helix-buildkit', address: 'tcp://helix-buildkit:1234' });
    expect(builderFor(project, undefined).name).toBe('helix-buildkit');
  });

  it('gives each project a builder of its own, named after it, which no other project shares', () => {
    const ids = ['app', 'app-x', 'app.x', 'app_x', 'app__x', 'session.t1', 'a'.repeat(63), `${'a'.repeat(62)}b`];
    const builders = ids.map((p) => builderFor(project, p));
    expect(builders[0]).toMatchObject({ name: 'helix-buildkit-app', project: 'app' });
    expect(new Set(builders.map((b) => b.name)).size).toBe(ids.length);
    expect(new Set(builders.map((b) => b.alias)).size).toBe(ids.length);
    for (const b of builders) {
      // One DNS label, short enough for any resolver, whatever the project id holds.
      expect(b.alias).toMatch(/^[a-z0-9-]{1,63}$/);
      expect(b.address).toBe(`tcp://${b.alias}:1234`);
    }
  });

  it("keeps each project's state and keys in directories of its own", () => {
    expect(projectStatesDir(project)).toBe('/var/lib/helix-host/buildkit-projects');
    expect(projectPkiDir(project, 'app')).toBe('/var/lib/helix-host/pki/projects/app');
  });

  it("points a desktop at its project's builder", () => {
    expect(identityEnv(shared, { project: 'app', dataMount: true }).BUILDKIT_HOST).toBe('tcp://helix-buildkit:1234');
    expect(identityEnv(project, { project: 'app', dataMount: true }).BUILDKIT_HOST).toBe(builderFor(project, 'app').address);
  });

  it('releases kept images in the builder that keeps them', () => {
    const names = ['helix-facade:5002/helix-projects/app/web', 'helix-facade:5002/helix-projects/app-x/web', 'helix-facade:5002/helix-projects/app/db'];
    expect([...keptByBuilder(shared, names)]).toEqual([['helix-buildkit', names]]);
    expect([...keptByBuilder(project, names)]).toEqual([
      ['helix-buildkit-app', [names[0], names[2]]],
      ['helix-buildkit-app-x', [names[1]]],
    ]);
  });
});

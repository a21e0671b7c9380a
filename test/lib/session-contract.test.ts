import { describe, expect, it } from 'vitest';
import { loadHostConfig } from '../../src/host/host-config.js';
import { sessionCreateOptions } from '../../src/host/session.js';
import { loadInitSettings } from '../../src/init/settings.js';
import { loadConfig } from '../../src/lib/config.js';
import { desktopEnv, IN_CONTAINER } from '../../src/lib/session-contract.js';

const env = desktopEnv({
  builderName: 'team-cache',
  buildkitHost: 'tcp://bk:1234',
  registry: 'reg:5000',
  project: 'p1',
  hostReadsDataMount: true,
  goldenId: 'p1/gen-3',
  goldenMode: true,
  daemonJson: { debug: true },
});

describe('session contract', () => {
  it('gives helix-init and the wrapper back every setting the host chose', () => {
    expect(loadConfig(env)).toMatchObject({ builderName: 'team-cache', buildkitHost: 'tcp://bk:1234', registry: 'reg:5000', buildxTemplate: IN_CONTAINER.buildxTemplate, eventsFile: '/var/lib/helix-data/events.jsonl' });
    expect(loadInitSettings(env)).toMatchObject({
      dataRoot: '/var/lib/helix-data/docker',
      goldenDir: '/var/lib/helix-golden/docker',
      goldenId: 'p1/gen-3',
      goldenMode: true,
      readyFile: '/var/lib/helix-data/ready',
      daemonJson: '{"debug":true}',
      startupScript: IN_CONTAINER.startupScript,
    });
    expect(env.BUILDX_BUILDER).toBe('team-cache');
    expect(env.HELIX_PROJECT).toBe('p1');
  });

  it('routes a session to the configured builder name, not the default', () => {
    const opts = sessionCreateOptions(loadHostConfig({ HELIX_BUILDER_NAME: 'team-cache' }), { id: 's1' }, 'CapBnd:\t000001ffffffffff\n') as { Env: string[] };
    expect(opts.Env).toEqual(expect.arrayContaining(['HELIX_BUILDER_NAME=team-cache', 'BUILDX_BUILDER=team-cache']));
  });

  it('leaves out what a container cannot use: no registry on a run network, no host-read files in a volume', () => {
    const run = desktopEnv({ builderName: 'b', buildkitHost: 'tcp://buildkit:1234' });
    expect(Object.keys(run).sort()).toEqual(['BUILDKIT_HOST', 'BUILDX_BUILDER', 'HELIX_BUILDER_NAME', 'HELIX_DATA_ROOT']);
  });

  it('sets no buildx state dir: every user keeps their own, where buildx looks by default', () => {
    expect(env).not.toHaveProperty('BUILDX_CONFIG');
  });

  it("leaves a desktop the operator started on its own data-root", () => {
    const own = desktopEnv({ builderName: 'b', buildkitHost: 'tcp://bk:1234', ownDataRoot: true });
    expect(own).not.toHaveProperty('HELIX_DATA_ROOT');
    expect(loadInitSettings(own).dataRoot).toBeUndefined();
  });
});

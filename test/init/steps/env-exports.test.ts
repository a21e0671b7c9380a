import { describe, expect, it } from 'vitest';
import { exportedVars } from '../../../src/init/steps/env-exports.js';
import { loadInitSettings } from '../../../src/init/settings.js';
import { loadConfig } from '../../../src/lib/config.js';
import { desktopEnv } from '../../../src/lib/session-contract.js';

describe('exported environment', () => {
  it('gives login shells everything the container environment routes builds by: builder, project, event log', () => {
    const env = desktopEnv({ builderName: 'team-cache', buildkitHost: 'tcp://bk:1234', registry: 'reg:5000', project: 'p1', hostReadsDataMount: true });
    expect(exportedVars(loadConfig(env), loadInitSettings(env))).toEqual({
      BUILDX_BUILDER: 'team-cache',
      HELIX_BUILDER_NAME: 'team-cache',
      BUILDKIT_HOST: 'tcp://bk:1234',
      HELIX_REGISTRY: 'reg:5000',
      HELIX_EVENTS_FILE: '/var/lib/helix-data/events.jsonl',
      HELIX_PROJECT: 'p1',
    });
  });
});

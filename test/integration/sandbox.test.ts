// The shared services reconcile to their desired state; reconciling a healthy sandbox changes nothing.
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

// The security suite again, under HELIX_TENANCY=project: every attack it makes must be refused there
// too, each project building on its own BuildKit. The sandbox goes back to the host's tenancy after.
import { afterAll } from 'vitest';
import { connectEngine } from '../../src/host/engine.js';
import { loadHostConfig } from '../../src/host/host-config.js';
import { listProjectBuilders, removeProjectBuilder } from '../../src/host/project-builder.js';
import { sandboxUp } from '../../src/host/sandbox.js';
import { createLogger } from '../../src/lib/log.js';

const hostTenancy = { engine: connectEngine(), cfg: loadHostConfig(), log: createLogger({ name: 'test', human: false }) };
process.env.HELIX_TENANCY = 'project';

// Registered before the suite's own hooks, so it runs after them (its sessions are gone by then).
afterAll(async () => {
  const cfg = loadHostConfig();
  for (const b of await listProjectBuilders({ ...hostTenancy, cfg })) {
    if (!b.project.includes(String(process.pid))) continue;
    await removeProjectBuilder({ ...hostTenancy, cfg }, b.project, true);
  }
  await sandboxUp(hostTenancy);
}, 300_000);

await import('./security.test.js');

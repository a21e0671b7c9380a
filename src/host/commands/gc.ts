import { HelixError } from '../../lib/errors.js';
import { RunManager } from '../run-sidecar.js';
import { registryGc } from '../registry-gc.js';
import { releaseKeptImages } from '../buildkit-release.js';
import { readHostEvents } from '../build-events.js';
import type { Command } from './command.js';

export const gc: Command = {
  usage: '  gc [--grace-hours 24]           delete registry transfers older than the grace period, reclaim their\n' +
    '                                  blobs (registry read-only meanwhile), release images kept in BuildKit\n' +
    '                                  for the facade that no build used within it, reap orphaned run volumes',
  async run({ flags }, d) {
    const grace = Number(flags['grace-hours']);
    if (!(grace >= 0)) throw new HelixError('BAD_FLAG', `--grace-hours ${JSON.stringify(flags['grace-hours'])} is not a number of hours`);
    const events = await readHostEvents(d.cfg.stateDir);
    const r = await registryGc(d, grace, events);
    const released = await releaseKeptImages(d, grace, events);
    const volumes = await new RunManager(d).reapVolumes();
    process.stdout.write(
      `registry: ${r.deleted} transfers deleted, ${r.kept} kept; ${(r.beforeBytes / 1e6).toFixed(1)} MB → ${(r.afterBytes / 1e6).toFixed(1)} MB\n` +
        `buildkit: ${released.length} kept images released\n` +
        `runs: ${volumes.length} orphaned data volumes removed\n`,
    );
    return 0;
  },
};

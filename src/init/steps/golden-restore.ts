// Restores the project's golden data-root into this session's data-root, before dockerd starts.
import { dirname, join } from 'node:path';
import { readIfExists } from '../../lib/atomic-write.js';
import { run } from '../../lib/exec.js';
import type { Step } from '../context.js';
import { HelixError } from '../../lib/errors.js';
import { decideRestore, readMarker, RESTORE_METHODS, restoreGolden, targetState, type RestoreMethod } from '../golden-restore.js';
import { DEFAULT_DATA_ROOT } from '../settings.js';

/** The golden's size: from the metadata the host writes beside it, else measured. */
async function goldenSize(golden: string): Promise<number | undefined> {
  const meta = await readIfExists(join(dirname(golden), 'golden.json'));
  const size = meta ? (JSON.parse(meta) as { sizeBytes?: number }).sizeBytes : undefined;
  if (size !== undefined) return size;
  const du = await run('du', ['-sb', golden]).catch(() => undefined);
  return du?.exitCode === 0 ? Number(du.stdout.split('\t')[0]) : undefined;
}

const mb = (b: number | undefined) => (b === undefined ? 'unknown size' : `${(b / 1024 / 1024).toFixed(0)} MB`);

export const goldenRestore: Step = {
  name: 'golden',
  async run({ settings, log }) {
    const target = settings.dataRoot ?? DEFAULT_DATA_ROOT;
    const decision = decideRestore(settings.goldenDir, settings.goldenId, await targetState(target), await readMarker(target));
    switch (decision.kind) {
      case 'none':
        return;
      case 'reuse':
        log.info(`data-root ${target} was restored from golden ${decision.marker.goldenId} on an earlier boot; reusing it`);
        return;
      case 'keep':
        log.info(`data-root ${target} already exists and ${decision.why}; not restoring over it`);
        return;
      case 'restore': {
        const golden = settings.goldenDir as string;
        const forced = settings.restoreMethod as RestoreMethod | undefined;
        if (forced && !RESTORE_METHODS.includes(forced)) {
          throw new HelixError('BAD_CONFIG', `HELIX_RESTORE_METHOD=${forced} is not one of ${RESTORE_METHODS.join(', ')}`);
        }
        const size = await goldenSize(golden);
        const m = await restoreGolden(golden, settings.goldenId, target, size, forced, decision.into);
        log.info({ method: m.method, ms: m.ms, bytes: size, golden }, `restored golden ${settings.goldenId} (${mb(size)}) by ${m.method} in ${(m.ms / 1000).toFixed(2)}s${decision.into ? ` into the empty ${target}` : ''}`);
      }
    }
  },
};

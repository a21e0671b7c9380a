// The registry reference each compose service's image was last moved by, kept beside the event log.
// A service built FROM another service's image can then start at once on that reference instead of
// waiting for the other build; the guess is checked when that build ends (see compose-each).
import { readIfExists, writeFileAtomic } from '../../lib/atomic-write.js';
import type { ToolkitConfig } from '../../lib/config.js';
import { wrapperCachePath } from '../../lib/session-contract.js';

export type TransferIndex = Record<string, string>;

export function indexFile(cfg: ToolkitConfig): string {
  return wrapperCachePath(cfg.eventsFile, 'transfers');
}

/** Best effort: a missing or unreadable index only means no head start. */
export async function readTransferIndex(file: string): Promise<TransferIndex> {
  try {
    const v = JSON.parse((await readIfExists(file)) ?? '{}') as unknown;
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as TransferIndex) : {};
  } catch {
    return {};
  }
}

export async function recordTransfers(file: string, entries: TransferIndex): Promise<void> {
  if (!Object.keys(entries).length) return;
  try {
    await writeFileAtomic(file, `${JSON.stringify({ ...(await readTransferIndex(file)), ...entries })}\n`, 0o666);
  } catch {
    // as above
  }
}

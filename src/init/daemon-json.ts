// Merging our settings into an existing daemon.json: every key the user set stays. Pure.
import { HelixError } from '../lib/errors.js';

export interface DaemonSettings {
  insecureRegistries: string[];
  /** Keys the operator sets for every session (HELIX_DAEMON_JSON); other keys stay as they are. */
  extra?: Record<string, unknown>;
  /**
   * Pin storage-driver overlay2 unless the user chose a driver: on btrfs dockerd would pick its btrfs
   * driver, whose data-roots cannot be snapshotted. Not with the containerd image store, where the
   * driver names a containerd snapshotter (overlayfs, its default) and "overlay2" does not exist.
   */
  pinOverlay2?: boolean;
}

/** Returns the new file content, or undefined when nothing needs to change. */
export function mergeDaemonJson(existing: string | undefined, want: DaemonSettings, path: string): string | undefined {
  let doc: Record<string, unknown> = {};
  if (existing !== undefined && existing.trim() !== '') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(existing);
    } catch (err) {
      throw new HelixError('BAD_FILE', `${path} is not valid JSON: ${(err as Error).message}`, 'fix it or remove it; it was left untouched', { cause: err });
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new HelixError('BAD_FILE', `${path} must hold a JSON object`, 'fix it or remove it; it was left untouched');
    }
    doc = parsed as Record<string, unknown>;
  }
  const current = doc['insecure-registries'];
  if (current !== undefined && !(Array.isArray(current) && current.every((x) => typeof x === 'string'))) {
    throw new HelixError('BAD_FILE', `${path}: "insecure-registries" must be a list of strings`, 'it was left untouched');
  }
  const list = (current as string[] | undefined) ?? [];
  const missing = want.insecureRegistries.filter((r) => !list.includes(r));
  const merged = { ...doc, ...want.extra };
  const containerdStore = (merged.features as Record<string, unknown> | undefined)?.['containerd-snapshotter'] === true;
  const pin = want.pinOverlay2 && !('storage-driver' in merged) && !containerdStore ? [['storage-driver', 'overlay2'] as const] : [];
  const extra = [...pin, ...Object.entries(want.extra ?? {})].filter(([k, v]) => JSON.stringify(doc[k]) !== JSON.stringify(v));
  if (missing.length === 0 && extra.length === 0 && existing !== undefined) return undefined;
  return `${JSON.stringify({ ...doc, ...Object.fromEntries(extra), 'insecure-registries': [...list, ...missing] }, null, 2)}\n`;
}

// Reads a pull's progress: which layers came over the wire and which the daemon already had. Pure.
import type { PullEvent } from './daemon.js';

export interface PullLayers {
  pulled: string[];
  existing: string[];
}

export function pullLayers(events: readonly PullEvent[]): PullLayers {
  const pulled = new Set<string>();
  const existing = new Set<string>();
  for (const e of events) {
    if (!e.id || !/^[0-9a-f]{12}$/.test(e.id)) continue;
    // The containerd image store ends a layer at "Download complete"; the classic one goes on to extract it.
    if (e.status === 'Pull complete' || e.status === 'Download complete') pulled.add(e.id);
    else if (e.status === 'Already exists') existing.add(e.id);
  }
  return { pulled: [...pulled], existing: [...existing] };
}

/**
 * When the last layer's download completed (ms since the epoch), if the events are timed: after it, a
 * classic-store pull only extracts. Pure.
 */
export function downloadedAt(events: readonly PullEvent[]): number | undefined {
  const times = events.filter((e) => e.status === 'Download complete' && e.at !== undefined).map((e) => e.at as number);
  return times.length ? Math.max(...times) : undefined;
}

/** The same events from the text `docker pull` prints ("<id>: <status>" lines). */
export function pullEventsOfText(output: string): PullEvent[] {
  return output.split(/[\r\n]+/).flatMap((line) => {
    const m = /^([0-9a-f]{12}): (.+)$/.exec(line.trim());
    return m ? [{ id: m[1], status: m[2] }] : [];
  });
}

export interface ManifestLayer {
  digest: string;
  size: number;
}

/** Bytes that moved: the sizes of the manifest's layers whose short ids were pulled. */
export function bytesPulled(layers: readonly ManifestLayer[], pulled: readonly string[]): number {
  const want = new Set(pulled);
  return layers.filter((l) => want.has(l.digest.replace(/^sha256:/, '').slice(0, 12))).reduce((n, l) => n + l.size, 0);
}

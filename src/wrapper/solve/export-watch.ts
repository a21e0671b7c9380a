// Finds, in a bake's plain progress, each target's image export the moment it finishes, so that image
// can move to the daemon while other targets still build (a large image's move then overlaps a slow
// compile instead of following it). Only a hint: the bake's metadata file, read at the end, decides
// which digests land. Pure: fed lines, returns the exports that finished.
import type { Digests } from '../land/image-lander.js';

export interface FinishedExport {
  target: string;
  digests: Required<Digests>;
}

/** "#18 [assets] exporting to image": the exporter vertex of one target, with the target's name. */
const EXPORT = /^#(\d+) \[([^\]\s]+)\] exporting to image$/;
/**
 * "#18 exporting manifest sha256:… done", or with the time it took ("… 0.0s done") when the printer saw
 * it start before it ended; a "manifest list" (an index) is not a plain image.
 */
const DIGEST = /^#(\d+) exporting (manifest list|manifest|config) (sha256:[0-9a-f]{64})(?: .*)?$/;
const DONE = /^#(\d+) DONE\b/;

interface Export {
  target: string;
  manifest?: string;
  config?: string;
  index: boolean;
}

export class ExportWatcher {
  private readonly exports = new Map<string, Export>();

  push(line: string): FinishedExport | undefined {
    const start = EXPORT.exec(line);
    if (start) {
      this.exports.set(start[1] as string, { target: start[2] as string, index: false });
      return undefined;
    }
    const digest = DIGEST.exec(line);
    if (digest) {
      const e = this.exports.get(digest[1] as string);
      if (!e) return undefined;
      if (digest[2] === 'manifest list') e.index = true;
      else e[digest[2] as 'manifest' | 'config'] = digest[3];
      return undefined;
    }
    const done = DONE.exec(line);
    if (!done) return undefined;
    const e = this.exports.get(done[1] as string);
    this.exports.delete(done[1] as string);
    if (!e || e.index || !e.manifest || !e.config) return undefined;
    return { target: e.target, digests: { manifest: e.manifest, config: e.config } };
  }
}

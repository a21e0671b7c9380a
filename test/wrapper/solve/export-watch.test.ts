import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ExportWatcher, type FinishedExport } from '../../../src/wrapper/solve/export-watch.js';

// A compose bake's plain progress (buildx 0.29), four targets kept for the facade.
const progress = readFileSync(join(import.meta.dirname, '../../fixtures/bake-progress.txt'), 'utf8');

function watch(lines: readonly string[]): FinishedExport[] {
  const w = new ExportWatcher();
  return lines.flatMap((l) => w.push(l) ?? []);
}

const sha = (c: string) => `sha256:${c.repeat(64)}`;

describe('ExportWatcher', () => {
  it('gives each target with its digests when its export finishes, in the order they finish', () => {
    const found = watch(progress.split('\n'));
    expect(found.map((f) => f.target)).toEqual(['assets', 'engine', 'sandbox', 'base']);
    expect(found[0]).toEqual({
      target: 'assets',
      digests: {
        manifest: 'sha256:b8c1da9ea9e23f9ddc1c94b41619ec074013a950cd65f49a07f6a01c79906b9e',
        config: 'sha256:23854f89bea3b2a821f52bf1078659bd5edd82836440fc72f704ee826b0f0b81',
      },
    });
  });

  it('tells nothing until the vertex is done, and nothing for one that failed or was canceled', () => {
    const w = new ExportWatcher();
    for (const l of ['#7 [app] exporting to image', `#7 exporting manifest ${sha('a')} done`, `#7 exporting config ${sha('b')} done`]) expect(w.push(l)).toBeUndefined();
    expect(w.push('#7 DONE 0.1s')).toEqual({ target: 'app', digests: { manifest: sha('a'), config: sha('b') } });
    expect(watch(['#8 [app] exporting to image', `#8 exporting manifest ${sha('a')} done`, `#8 exporting config ${sha('b')} done`, '#8 ERROR: failed to push'])).toEqual([]);
    expect(watch(['#8 [app] exporting to image', `#8 exporting manifest ${sha('a')} done`, '#8 CANCELED'])).toEqual([]);
  });

  it('reads a digest whose line also gives the time it took, as the printer writes one it saw start earlier', () => {
    // From a bake in CI: the manifest with its time, the config without.
    const lines = ['#9 [quick] exporting to image', '#9 exporting layers 0.0s done', `#9 exporting manifest ${sha('c')} 0.0s done`, `#9 exporting config ${sha('d')} done`, '#9 DONE 0.0s'];
    expect(watch(lines)).toEqual([{ target: 'quick', digests: { manifest: sha('c'), config: sha('d') } }]);
    expect(watch(['#9 [m] exporting to image', `#9 exporting manifest ${sha('a')} 0.1s done`, `#9 exporting config ${sha('b')} 0.1s done`, `#9 exporting manifest list ${sha('c')} 0.0s done`, '#9 DONE 0.2s'])).toEqual([]);
  });

  it('leaves an index (a manifest list) and an export without both digests to the metadata file', () => {
    expect(watch(['#9 [multi] exporting to image', `#9 exporting manifest ${sha('a')} done`, `#9 exporting config ${sha('b')} done`, `#9 exporting manifest list ${sha('c')} done`, '#9 DONE 0.2s'])).toEqual([]);
    expect(watch(['#9 [app] exporting to image', `#9 exporting config ${sha('b')} done`, '#9 DONE 0.2s'])).toEqual([]);
  });

  it('ignores exports of a single build (no target name) and other vertices', () => {
    expect(watch(['#9 exporting to image', `#9 exporting manifest ${sha('a')} done`, `#9 exporting config ${sha('b')} done`, '#9 DONE 0.2s', '#3 [app 2/3] RUN make', '#3 DONE 1.0s'])).toEqual([]);
  });
});

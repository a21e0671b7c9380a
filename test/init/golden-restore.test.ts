import { describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decideRestore, markerPath, restoreGolden, type RestoreMarker } from '../../src/init/golden-restore.js';

const marker = (goldenId: string): RestoreMarker => ({ goldenId, method: 'reflink', ms: 1, restoredAt: 'x' });

describe('decideRestore', () => {
  it('does nothing without a golden', () => {
    expect(decideRestore(undefined, '', 'absent', undefined)).toEqual({ kind: 'none' });
  });

  it('restores into a data-root that does not exist yet', () => {
    expect(decideRestore('/g/docker', 'gen-3', 'absent', undefined)).toEqual({ kind: 'restore', into: false });
  });

  it('reuses a data-root restored from the same golden on an earlier boot', () => {
    expect(decideRestore('/g/docker', 'gen-3', 'data', marker('gen-3'))).toMatchObject({ kind: 'reuse' });
  });

  it("never restores over a session's own data-root", () => {
    expect(decideRestore('/g/docker', 'gen-3', 'data', undefined)).toMatchObject({ kind: 'keep' });
    expect(decideRestore('/g/docker', 'gen-4', 'data', marker('gen-3'))).toMatchObject({ kind: 'keep' });
  });

  it('restores again when the data-root went away but a stale marker stayed', () => {
    expect(decideRestore('/g/docker', 'gen-3', 'absent', marker('gen-3'))).toEqual({ kind: 'restore', into: false });
  });

  it('restores into an empty data-root (a fresh named volume), and starts over a restore a crash cut short', () => {
    expect(decideRestore('/g/docker', 'gen-3', 'empty', undefined)).toEqual({ kind: 'restore', into: true });
    expect(decideRestore('/g/docker', 'gen-3', 'data', { ...marker('gen-3'), restoring: true })).toEqual({ kind: 'restore', into: true });
  });
});

describe('restoreGolden into an existing directory', () => {
  it('fills it with the golden and marks it done', async () => {
    const root = mkdtempSync(join(tmpdir(), 'helix-into-'));
    const golden = join(root, 'golden');
    mkdirSync(join(golden, 'image', 'overlay2'), { recursive: true });
    mkdirSync(join(golden, 'overlay2', 'l1'), { recursive: true });
    writeFileSync(join(golden, 'overlay2', 'l1', 'f'), 'layer');
    const target = join(root, 'volume');
    mkdirSync(target);
    const m = await restoreGolden(golden, 'gen-1', target, undefined, undefined, true);
    expect(readFileSync(join(target, 'overlay2', 'l1', 'f'), 'utf8')).toBe('layer');
    expect(m.restoring).toBeUndefined();
    expect(JSON.parse(readFileSync(markerPath(target), 'utf8'))).toMatchObject({ goldenId: 'gen-1' });
    rmSync(root, { recursive: true, force: true });
  });
});

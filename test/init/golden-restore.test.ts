import { describe, expect, it } from 'vitest';
import { decideRestore, type RestoreMarker } from '../../src/init/golden-restore.js';

const marker = (goldenId: string): RestoreMarker => ({ goldenId, method: 'reflink', ms: 1, restoredAt: 'x' });

describe('decideRestore', () => {
  it('does nothing without a golden', () => {
    expect(decideRestore(undefined, '', false, undefined)).toEqual({ kind: 'none' });
  });

  it('restores into a data-root that does not exist yet', () => {
    expect(decideRestore('/g/docker', 'gen-3', false, undefined)).toEqual({ kind: 'restore' });
  });

  it('reuses a data-root restored from the same golden on an earlier boot', () => {
    expect(decideRestore('/g/docker', 'gen-3', true, marker('gen-3'))).toMatchObject({ kind: 'reuse' });
  });

  it("never restores over a session's own data-root", () => {
    expect(decideRestore('/g/docker', 'gen-3', true, undefined)).toMatchObject({ kind: 'keep' });
    expect(decideRestore('/g/docker', 'gen-4', true, marker('gen-3'))).toMatchObject({ kind: 'keep' });
  });

  it('restores again when the data-root went away but a stale marker stayed', () => {
    expect(decideRestore('/g/docker', 'gen-3', false, marker('gen-3'))).toEqual({ kind: 'restore' });
  });
});

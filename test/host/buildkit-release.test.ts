import { describe, expect, it } from 'vitest';
import { staleKeptNames } from '../../src/host/buildkit-release.js';

const A = 'helix-registry:5000/helix-projects/alpha/app';
const B = 'helix-registry:5000/helix-projects/beta/web';

describe('staleKeptNames', () => {
  it('releases a name only when its last use is older than the cutoff', () => {
    const events = [
      { timeMs: 100, kept: A },
      { timeMs: 300, kept: A },
      { timeMs: 100, kept: B },
      { timeMs: 500, transfer: 'x' },
    ];
    expect(staleKeptNames(events, 200)).toEqual([B]);
    expect(staleKeptNames(events, 400)).toEqual([A, B]);
  });

  it('acts on nothing a session could have written that is not a kept name', () => {
    const events = [
      { timeMs: 1, kept: 'docker.io/library/debian' },
      { timeMs: 1, kept: `${A},${B}` },
      { timeMs: 1, kept: `${A}"` },
      { timeMs: 1, kept: 'helix-registry:5000/helix-projects/../x' },
    ];
    expect(staleKeptNames(events, 10)).toEqual([]);
  });
});

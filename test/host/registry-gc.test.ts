import { describe, expect, it } from 'vitest';
import { chooseDeletions, gcSchedule, mirroredRepositories, parseTransfers, taggedOnPurpose } from '../../src/host/registry-gc.js';

const d1 = 'a'.repeat(64);
const d2 = 'b'.repeat(64);

describe('parseTransfers', () => {
  it("reads find's manifest revision links: every repository but the mirrored ones", () => {
    const out = [
      `1700000000.5 helix-projects/p1/app/_manifests/revisions/sha256/${d1}/link`,
      `1700000100 helix-projects/p2/org/web/_manifests/revisions/sha256/${d2}/link`,
      `1700000100 helix-projects/p2/org/web/_manifests/tags/latest/current/link`,
      `1700000100 library/debian/_manifests/revisions/sha256/${d2}/link`,
      `1700000200 oldproject/app/_manifests/revisions/sha256/${d2}/link`,
      'garbage',
    ].join('\n');
    expect(parseTransfers(out, mirroredRepositories(['debian:trixie', 'docker/dockerfile:1']))).toEqual([
      { pushedMs: 1_700_000_000_500, repo: 'helix-projects/p1/app', digest: `sha256:${d1}` },
      { pushedMs: 1_700_000_100_000, repo: 'helix-projects/p2/org/web', digest: `sha256:${d2}` },
      { pushedMs: 1_700_000_200_000, repo: 'oldproject/app', digest: `sha256:${d2}` },
    ]);
    expect([...mirroredRepositories(['debian:trixie', 'docker/dockerfile:1'])]).toEqual(['library/debian', 'docker/dockerfile']);
  });
});

describe('chooseDeletions', () => {
  it('deletes what is older than the grace period unless a recent build names it', () => {
    const old = { repo: 'helix-projects/p/a', digest: `sha256:${d1}`, pushedMs: 1000 };
    const oldButUsed = { repo: 'helix-projects/p/b', digest: `sha256:${d2}`, pushedMs: 1000 };
    const fresh = { repo: 'helix-projects/p/c', digest: `sha256:${d1}`, pushedMs: 5000 };
    expect(chooseDeletions([old, oldButUsed, fresh], new Set([`helix-projects/p/b@sha256:${d2}`]), 2000)).toEqual([old]);
  });
});

describe('gcSchedule', () => {
  it('collects daily with a day of grace unless told otherwise; 0 turns scheduling off', () => {
    expect(gcSchedule({})).toEqual({ intervalHours: 24, graceHours: 24 });
    expect(gcSchedule({ HELIX_GC_INTERVAL_HOURS: '0', HELIX_GC_GRACE_HOURS: '2' })).toEqual({ intervalHours: 0, graceHours: 2 });
    expect(gcSchedule({ HELIX_GC_INTERVAL_HOURS: 'x' })).toEqual({ intervalHours: 24, graceHours: 24 });
  });
});

describe('taggedOnPurpose', () => {
  it("keeps what a session pushed under a tag of its own, not the wrapper's local-base tags", () => {
    const a = 'a'.repeat(64);
    const b = 'b'.repeat(64);
    const lines = [
      `./helix-projects/p/app/_manifests/tags/v1/current/link sha256:${a}`,
      `./helix-projects/p/debian/_manifests/tags/base-0123456789ab/current/link sha256:${b}`,
      'garbage',
    ].join('\n');
    expect([...taggedOnPurpose(lines)]).toEqual([`helix-projects/p/app@sha256:${a}`]);
    const pushed = { repo: 'helix-projects/p/app', digest: `sha256:${a}`, pushedMs: 1 };
    const base = { repo: 'helix-projects/p/debian', digest: `sha256:${b}`, pushedMs: 1 };
    expect(chooseDeletions([pushed, base], taggedOnPurpose(lines), 2000)).toEqual([base]);
  });
});

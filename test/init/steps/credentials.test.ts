import { describe, expect, it } from 'vitest';
import { gidOf } from '../../../src/init/steps/credentials.js';

describe('gidOf', () => {
  it("finds a group's gid in /etc/group, and nothing for a missing or broken line", () => {
    const group = 'root:x:0:\ndockerish:x:5:\ndocker:x:999:retro\n';
    expect(gidOf(group, 'docker')).toBe(999);
    expect(gidOf(group, 'wheel')).toBeUndefined();
    expect(gidOf('docker:x:abc:\n', 'docker')).toBeUndefined();
  });
});

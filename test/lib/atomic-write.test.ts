import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeFileIfChanged } from '../../src/lib/atomic-write.js';

describe('writeFileIfChanged', () => {
  it('writes a new or different content, and leaves the same content alone (same inode)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'helix-aw-'));
    const f = join(dir, 'sub', 'c.toml');
    expect(await writeFileIfChanged(f, 'a')).toBe(true);
    const ino = statSync(f).ino;
    expect(await writeFileIfChanged(f, 'a')).toBe(false);
    expect(statSync(f).ino).toBe(ino);
    expect(await writeFileIfChanged(f, 'b')).toBe(true);
    expect(readFileSync(f, 'utf8')).toBe('b');
    rmSync(dir, { recursive: true });
  });
});

// What a session can put where the host reads: links to host files, FIFOs, huge files.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, truncateSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { appendSessionFile, readSessionFile } from '../../src/host/session-files.js';
import { removeTree } from '../../src/host/subvolume.js';
import { GoldenStore } from '../../src/host/golden-store.js';

const dir = mkdtempSync(join(tmpdir(), 'helix-sfiles-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const hostSecret = join(dir, 'host-secret');
writeFileSync(hostSecret, 'not for sessions\n');

describe('session files', () => {
  it('reads a plain small file, and nothing for a missing one', async () => {
    writeFileSync(join(dir, 'ok.json'), '{"a":1}');
    expect(await readSessionFile(join(dir, 'ok.json'), 100)).toBe('{"a":1}');
    expect(await readSessionFile(join(dir, 'absent'), 100)).toBeUndefined();
  });

  it('refuses a symlink, a FIFO and a file over the bound, with one line naming the file', async () => {
    symlinkSync(hostSecret, join(dir, 'link.json'));
    await expect(readSessionFile(join(dir, 'link.json'), 100)).rejects.toThrow(/link\.json is a symlink/);
    execFileSync('mkfifo', [join(dir, 'fifo')]);
    await expect(readSessionFile(join(dir, 'fifo'), 100)).rejects.toThrow(/fifo is not a regular file/);
    writeFileSync(join(dir, 'big'), 'x'.repeat(200));
    await expect(readSessionFile(join(dir, 'big'), 100)).rejects.toThrow(/200 bytes, more than the 100/);
  });

  it('copies at most the bound of a huge file, streamed, and never a linked one', async () => {
    const huge = join(dir, 'events.jsonl');
    writeFileSync(huge, '');
    truncateSync(huge, 1024 ** 3);
    const to = join(dir, 'archive', 'events.jsonl');
    expect(await appendSessionFile(huge, to, 1024)).toBe(1024);
    expect(readFileSync(to).length).toBe(1024);
    await expect(appendSessionFile(join(dir, 'link.json'), to, 1024)).rejects.toThrow(/symlink/);
  });

  it('removes a data-root that is a symlink as a link, leaving what it pointed at', async () => {
    const victim = join(dir, 'other-project-golden');
    mkdirSync(join(victim, 'image'), { recursive: true });
    const session = join(dir, 'session');
    mkdirSync(session);
    symlinkSync(victim, join(session, 'docker'));
    await removeTree(session, [join(session, 'docker')]);
    expect(existsSync(session)).toBe(false);
    expect(existsSync(join(victim, 'image'))).toBe(true);
  });

  it('refuses to promote a data-root that is a symlink, and keeps the golden store as it was', async () => {
    const store = new GoldenStore(join(dir, 'goldens'));
    const real = join(dir, 'real-root');
    mkdirSync(join(real, 'image'), { recursive: true });
    symlinkSync(real, join(dir, 'linked-root'));
    await expect(store.promote('p', join(dir, 'linked-root'), 's')).rejects.toThrow(/not a directory \(a symlink is never followed\)/);
    expect(await store.current('p')).toBeUndefined();
    expect(existsSync(join(real, 'image'))).toBe(true);
  });
});

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { tryLock } from '../../src/host/file-lock.js';

const dir = mkdtempSync(join(tmpdir(), 'helix-lock-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('tryLock', () => {
  it('is held by exactly one of many concurrent callers, and free again once released', async () => {
    const path = join(dir, 'a.lock');
    const got = await Promise.all(Array.from({ length: 20 }, () => tryLock(path)));
    const held = got.filter((l) => l !== undefined);
    expect(held).toHaveLength(1);
    await held[0]?.release();
    const again = await tryLock(path);
    expect(again).toBeDefined();
    await again?.release();
  });

  it('is free the moment its holder is killed with SIGKILL', async () => {
    const path = join(dir, 'b.lock');
    // Another host process holding the lock the way tryLock does: flock kept by its stdin pipe.
    const holder = spawn('node', ['-e', `const {spawn}=require('node:child_process');const c=spawn('flock',['-n','${path}','sh','-c','echo locked; exec cat >/dev/null'],{stdio:['pipe','inherit','inherit']});setInterval(()=>{},1000)`], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise((r) => holder.stdout.once('data', r));
    expect(await tryLock(path)).toBeUndefined();
    holder.kill('SIGKILL');
    let lock;
    for (let i = 0; i < 50 && !(lock = await tryLock(path)); i++) await sleep(100);
    expect(lock).toBeDefined();
    await lock?.release();
  });
});

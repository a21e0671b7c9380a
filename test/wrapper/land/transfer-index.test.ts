import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readTransferIndex, recordTransfers } from '../../../src/wrapper/land/transfer-index.js';

describe('transfer index', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'helix-index-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('merges new references into what is there', async () => {
    const f = join(dir, 'transfers.json');
    await recordTransfers(f, { 'p/base:latest': 'r/p/base@sha256:1' });
    await recordTransfers(f, { 'p/app:latest': 'r/p/app@sha256:2' });
    expect(await readTransferIndex(f)).toEqual({ 'p/base:latest': 'r/p/base@sha256:1', 'p/app:latest': 'r/p/app@sha256:2' });
    expect((await readFile(f, 'utf8')).endsWith('\n')).toBe(true);
  });

  it('reads a missing or broken index as empty', async () => {
    expect(await readTransferIndex(join(dir, 'none.json'))).toEqual({});
    await writeFile(join(dir, 'bad.json'), '[1,');
    expect(await readTransferIndex(join(dir, 'bad.json'))).toEqual({});
  });
});

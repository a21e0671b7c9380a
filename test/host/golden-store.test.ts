import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { byteBound, chooseEvictions, GoldenStore, type GoldenMeta } from '../../src/host/golden-store.js';

const meta = (generation: number, lastUsedAt: string, sizeBytes = 10): GoldenMeta => ({ project: 'p', generation, createdAt: lastUsedAt, lastUsedAt, sizeBytes, source: 's' });

describe('chooseEvictions', () => {
  it('keeps the current generation and the most recently used previous ones', () => {
    const gens = [meta(1, '2026-01-01'), meta(2, '2026-01-03'), meta(3, '2026-01-02'), meta(4, '2026-01-04')];
    expect(chooseEvictions(gens, 4, { keepPrevious: 1, maxBytes: 1e9 })).toEqual([1, 3]);
  });

  it('evicts least recently used generations above the size bound, never the current one', () => {
    const gens = [meta(1, '2026-01-05', 50), meta(2, '2026-01-01', 50), meta(3, '2026-01-02', 50)];
    expect(chooseEvictions(gens, 1, { keepPrevious: 5, maxBytes: 100 })).toEqual([2]);
    expect(chooseEvictions([meta(1, 'x', 500)], 1, { keepPrevious: 0, maxBytes: 1 })).toEqual([]);
  });
});

describe('eviction bounds', () => {
  it('never evicts a generation a session still mounts', () => {
    const gens = [meta(1, '2026-01-01'), meta(2, '2026-01-03'), meta(3, '2026-01-02'), meta(4, '2026-01-04')];
    expect(chooseEvictions(gens, 4, { keepPrevious: 0, maxBytes: 1e9 }, [1])).toEqual([2, 3]);
  });

  it('caps a project at a share of its filesystem when that is below the byte cap', () => {
    expect(byteBound({ keepPrevious: 1, maxBytes: 200e9, maxShare: 0.5 }, 100e9)).toBe(50e9);
    expect(byteBound({ keepPrevious: 1, maxBytes: 10e9, maxShare: 0.5 }, 100e9)).toBe(10e9);
    expect(byteBound({ keepPrevious: 1, maxBytes: 10e9 }, 1e9)).toBe(10e9);
  });
});

describe('GoldenStore', () => {
  const dirs: string[] = [];
  afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));
  const tmp = () => {
    const d = mkdtempSync(join(tmpdir(), 'golden-'));
    dirs.push(d);
    return d;
  };
  const dataRoot = (marker: string) => {
    const d = join(tmp(), 'docker');
    mkdirSync(join(d, 'image'), { recursive: true });
    mkdirSync(join(d, 'overlay2'));
    writeFileSync(join(d, 'marker'), marker);
    return d;
  };

  it('promotes stopped data-roots as numbered generations and switches current', async () => {
    const store = new GoldenStore(tmp());
    await store.promote('p', dataRoot('one'), 's1');
    const second = await store.promote('p', dataRoot('two'), 's2');
    expect(second.generation).toBe(2);
    const cur = await store.current('p');
    expect(readFileSync(join(cur!.dir, 'docker/marker'), 'utf8')).toBe('two');
    expect((await store.generations('p')).map((g) => g.generation)).toEqual([1, 2]);
  });

  it('keeps the previous golden current and whole when a promotion fails midway', async () => {
    const store = new GoldenStore(tmp());
    await store.promote('p', dataRoot('good'), 's1');
    await expect(store.promote('p', dataRoot('bad'), 's2', { beforeSwitch: () => Promise.reject(new Error('disk full')) })).rejects.toThrow('disk full');
    const cur = await store.current('p');
    expect(cur?.meta.generation).toBe(1);
    expect(readFileSync(join(cur!.dir, 'docker/marker'), 'utf8')).toBe('good');
    expect(readdirSync(store.projectDir('p')).sort()).toEqual(['current', 'gen-1']);
  });

  it('refuses a directory that is not a data-root, and bad project ids', async () => {
    const store = new GoldenStore(tmp());
    await expect(store.promote('p', tmp(), 's')).rejects.toThrow(/is not a docker data-root/);
    expect(() => store.projectDir('../etc')).toThrow(/invalid project id/);
  });

  it('evicts generations beyond the policy after a promotion', async () => {
    const store = new GoldenStore(tmp(), { keepPrevious: 1, maxBytes: 1e12 });
    for (const m of ['a', 'b', 'c']) await store.promote('p', dataRoot(m), m);
    expect((await store.generations('p')).map((g) => g.generation)).toEqual([2, 3]);
  });
});

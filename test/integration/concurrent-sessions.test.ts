// Two sessions build the same tag with different content at the same time: transfers go by digest,
// so each ends with its own image.
import { beforeAll, expect, it } from 'vitest';
import { sandboxUp } from '../../src/host/sandbox.js';
import { context, deps, nonce, session, sh } from './helpers.js';

beforeAll(() => sandboxUp(deps));

it('gives each of two sessions building the same tag concurrently its own image', async () => {
  const n = nonce();
  const df = 'FROM debian:trixie\nCOPY file.txt /file.txt\n';
  const ids = await Promise.all(['A', 'B'].map((who) => session(`race${who.toLowerCase()}`, { binds: [`${context({ Dockerfile: df, 'file.txt': `${who}-${n}\n` })}:/ctx`] })));
  const builds = await Promise.all(ids.map((id) => sh(id, 'cd /ctx && docker build -t same/tag:1 .')));
  for (const b of builds) expect(b.code, b.err).toBe(0);
  const contents = await Promise.all(ids.map((id) => sh(id, 'docker run --rm same/tag:1 cat /file.txt')));
  expect(contents.map((c) => c.out)).toEqual([`A-${n}\n`, `B-${n}\n`]);
});

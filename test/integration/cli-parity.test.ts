// Black-box: through the wrapper, commands print and exit as plain docker does. "Plain" is the real
// CLI with the session's local builder, so it can only differ where the wrapper did something.
import { beforeAll, describe, expect, it } from 'vitest';
import { sandboxUp } from '../../src/host/sandbox.js';
import { context, deps, session, sh } from './helpers.js';

let id: string;

beforeAll(async () => {
  await sandboxUp(deps);
  const ctx = context({ Dockerfile: 'FROM scratch\nCOPY f /f\n', 'bad.Dockerfile': 'FROM scratch\nCOPY missing /missing\n', f: 'x\n' });
  id = await session('parity', { binds: [`${ctx}:/ctx`] });
});

const wrapped = (cmd: string) => sh(id, `cd /ctx && docker ${cmd}`);
const plain = (cmd: string) => sh(id, `cd /ctx && BUILDX_BUILDER=default /usr/bin/docker ${cmd}`);

describe('same stdout and exit code as plain docker', () => {
  it.each(['version --format {{.Client.Version}}', 'ps -q', 'images -q --filter dangling=false', 'info --format {{.Driver}}', 'no-such-command', 'build --no-such-flag .', 'build'])(
    'docker %s',
    async (cmd) => {
      const [w, p] = await Promise.all([wrapped(cmd), plain(cmd)]);
      expect(w.code).toBe(p.code);
      expect(w.out).toBe(p.out);
    },
  );

  it('prints only the image id for build -q, and writes it to --iidfile', async () => {
    const w = await wrapped('build -q --iidfile /tmp/w.iid -t parity/q:1 .');
    const p = await plain('build -q --iidfile /tmp/p.iid -t parity/plain:1 .');
    expect(w.code, w.err).toBe(0);
    expect(p.code, p.err).toBe(0);
    expect(w.out).toMatch(/^sha256:[0-9a-f]{64}\n$/);
    expect(p.out).toMatch(/^sha256:[0-9a-f]{64}\n$/);
    const ids = await sh(id, "cat /tmp/w.iid; echo; docker image inspect -f '{{.Id}}' parity/q:1");
    const [iid, local] = ids.out.trim().split('\n');
    expect(iid).toBe(local);
    expect(w.out.trim()).toBe(local);
  });

  it('fails a broken build with the same exit code and empty stdout', async () => {
    const [w, p] = await Promise.all([wrapped('build -f bad.Dockerfile -t parity/bad:1 .'), plain('build -f bad.Dockerfile -t parity/bad2:1 .')]);
    expect(p.code).not.toBe(0);
    expect(w.code).toBe(p.code);
    expect(w.out).toBe('');
    expect(p.out).toBe('');
  });
});

// Against the real stack: the trust boundaries between projects sharing one sandbox. Every attack is
// made twice: from inside a session (as its desktop user, with the session's own credentials) and from
// a container that session runs (with no credentials, by address). Each must be refused by the service
// itself (the registry's token auth, BuildKit's mutual TLS), and the session's own work still allowed.
// Under the host's tenancy (HELIX_TENANCY): security-project.test.ts runs it all again under `project`.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { registryUrl, sandboxUp } from '../../src/host/sandbox.js';
import { hostRegistryToken, repositoryAccess } from '../../src/host/registry-token.js';
import { registryGc } from '../../src/host/registry-gc.js';
import { builderFor } from '../../src/host/tenancy.js';
import { context, deps, lastBuild, nonce, session, sh } from './helpers.js';

const STACK_DIR = process.env.STACK_DIR ?? '/opt/helix-stack';
const fixture = join(import.meta.dirname, '..', 'fixtures', 'registry-attack.mjs');
const MIRROR = 'library/busybox';
const run = nonce();
const projectA = `sa-${process.pid}`;
const projectB = `sb-${process.pid}`;

let a = '';
let b = '';
/** B's image, by digest in B's namespace, which A must not read. */
let otherRepo = '';
let otherDigest = '';
let mirrorDigest = '';
const asUser = (id: string, cmd: string) => sh(id, `su - retro -c '${cmd}'`);
/** The BuildKit session A builds on: the shared one, or under project tenancy its project's. */
const BK = builderFor(deps.cfg, projectA).alias;

/** `helix ARGS` as the operator runs it. */
function helixCli(args: string[]): Promise<{ code: number; err: string }> {
  return new Promise((resolve) =>
    execFile(process.execPath, ['dist/helix.mjs', ...args], (err, _out, errOut) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, err: String(errOut) })),
  );
}

async function mirrorManifest(): Promise<string> {
  const token = await hostRegistryToken(deps.cfg, [repositoryAccess(MIRROR, 'pull')]);
  const res = await fetch(`${registryUrl(deps.cfg)}/v2/${MIRROR}/manifests/stable`, {
    method: 'HEAD',
    headers: { Authorization: `Bearer ${token}`, Accept: 'application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json' },
  });
  expect(res.status).toBe(200);
  return res.headers.get('docker-content-digest') as string;
}

/** The attack script's findings, from the session (its desktop user) or from a container it runs. */
async function attack(id: string, where: 'session' | 'container'): Promise<Record<string, number>> {
  const args = `${otherRepo} ${otherDigest} ${MIRROR} ${mirrorDigest}`;
  const r =
    where === 'session'
      ? await asUser(id, `/opt/helix/bin/node /work/attack.mjs http://helix-registry:5000 /var/lib/helix/credentials/registry.json ${args}`)
      : await sh(
          id,
          // Names do not resolve in a container the session runs: it goes by address, as an attacker would.
          `reg=$(getent hosts helix-registry | cut -d" " -f1); tok=$(getent hosts helix-registry-auth | cut -d" " -f1); ` +
            `docker run --rm -v /opt/helix/bin/node:/node:ro -v /work/attack.mjs:/attack.mjs:ro debian:trixie /node /attack.mjs http://$reg:5000 - ${args} $tok:5001`,
        );
  expect(r.code, r.err).toBe(0);
  return JSON.parse(r.out.trim().split('\n').pop() as string) as Record<string, number>;
}

const found = new Map<string, Promise<Record<string, number>>>();
const findings = (where: 'session' | 'container') => {
  if (!found.has(where)) found.set(where, attack(a, where));
  return found.get(where) as Promise<Record<string, number>>;
};

beforeAll(async () => {
  await sandboxUp(deps);
  const ctx = context({ Dockerfile: `FROM busybox:stable\nRUN echo secret-${run} > /secret\n` });
  const binds = [`${ctx}:/ctx:ro`, `${fixture}:/work/attack.mjs:ro`, `${STACK_DIR}/bin/buildctl:/usr/local/bin/buildctl:ro`];
  [a, b] = await Promise.all([session('sec-a', { project: projectA, binds }), session('sec-b', { project: projectB, binds })]);
  // The transfer's manifest digest is in the build's event.
  const built = await sh(b, 'cd /ctx && docker build -q -t secret/app:1 .');
  expect(built.code, built.err).toBe(0);
  otherRepo = `helix-projects/${projectB}/secret/app`;
  otherDigest = lastBuild(b).manifest;
  expect(otherDigest).toMatch(/^sha256:/);
  mirrorDigest = await mirrorManifest();
}, 300_000);

describe('the registry, by project', () => {
  for (const where of ['session', 'container'] as const) {
    it(`refuses a push or a delete to the docker.io mirror namespace from a ${where}`, async () => {
      const f = await findings(where);
      expect(f.pushMirror).toBe(401);
      expect(f.deleteMirror).toBe(401);
      expect(await mirrorManifest()).toBe(mirrorDigest);
      // Reading the mirror is what it is for.
      expect(f.pullMirror).toBe(200);
    });

    it(`refuses a push or a delete to another project's namespace from a ${where}`, async () => {
      const f = await findings(where);
      expect(f.pushOther).toBe(401);
      expect(f.deleteOther).toBe(401);
    });

    it(`refuses a pull of another project's image by its exact digest from a ${where}`, async () => {
      expect((await findings(where)).pullOther).toBe(401);
    });

    it(`refuses the catalog from a ${where}`, async () => {
      expect((await findings(where)).catalog).toBe(401);
    });
  }

  it("refuses the docker CLI's push over a mirrored image and pull of another project's image, and keeps the session's own builds working", async () => {
    const push = await asUser(a, 'docker tag busybox:stable helix-registry:5000/library/busybox:stable 2>/dev/null || (docker pull -q busybox:stable >/dev/null && docker tag busybox:stable helix-registry:5000/library/busybox:stable); docker push helix-registry:5000/library/busybox:stable');
    expect(push.code).not.toBe(0);
    expect(push.err + push.out).toMatch(/denied/);
    const pull = await asUser(a, `docker pull helix-registry:5000/${otherRepo}@${otherDigest}`);
    expect(pull.code).not.toBe(0);
    expect(await mirrorManifest()).toBe(mirrorDigest);
    const own = await asUser(a, 'cd /ctx && docker build -q -t mine/app:1 .');
    expect(own.code, own.err).toBe(0);
    expect(own.status).toMatch(/pulled by digest (via the registry|from helix-shared's store)|load skipped|tagged/);
  });
});

describe('BuildKit, over mutual TLS', () => {
  const handshake = /handshake|certificate|EOF|connection (closed|reset)|Unavailable/i;

  it('refuses buildctl prune and buildx history from a session without a client certificate', async () => {
    const prune = await sh(a, `buildctl --addr tcp://${BK}:1234 prune --all`);
    expect(prune.code).not.toBe(0);
    expect(prune.err).toMatch(handshake);
    const history = await sh(a, `docker buildx create --name nocert --driver remote tcp://${BK}:1234 >/dev/null && /usr/bin/docker buildx history ls --builder nocert`);
    expect(history.code).not.toBe(0);
    // With the session's own certificate the same endpoint answers: the refusal is the missing certificate.
    const dir = '/var/lib/helix/credentials';
    const ok = await sh(a, `buildctl --addr tcp://${BK}:1234 --tlscacert ${dir}/ca.pem --tlscert ${dir}/client.pem --tlskey ${dir}/client.key debug workers`);
    expect(ok.code, ok.err).toBe(0);
  });

  it('refuses buildctl prune from a container the session runs', async () => {
    const r = await sh(a, `bk=$(getent hosts ${BK} | cut -d" " -f1); docker run --rm -v /usr/local/bin/buildctl:/buildctl:ro busybox:stable /buildctl --addr tcp://$bk:1234 prune --all`);
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(handshake);
  });
});

describe('cache mounts, by project', () => {
  const ctx = context({
    Dockerfile: 'FROM busybox:stable\nARG MARK\nRUN --mount=type=cache,id=x,target=/c sh -c \'ls /c > /seen; echo x > /c/$MARK\'\n',
  });
  const m = (s: string) => `${s}-${run}`;
  /** The marks a build of the probe saw in its cache mount (what earlier builds of the same namespace left). */
  const build = async (id: string, mark: string, args = '') => {
    const r = await sh(id, `cd /cache-ctx && docker build -q ${args} --build-arg MARK=${mark} -t cache/probe:${mark} . >/dev/null && docker run --rm cache/probe:${mark} cat /seen`);
    expect(r.code, r.err).toBe(0);
    return r.out.split('\n').filter(Boolean);
  };

  it("keeps one project's RUN --mount=type=cache apart from another's, and shares it between builds of one project", async () => {
    const binds = [`${ctx}:/cache-ctx:ro`];
    const [ca, cb] = await Promise.all([session('cache-a', { project: `${projectA}-c`, binds }), session('cache-b', { project: `${projectB}-c`, binds })]);
    await build(ca, m('a1'));
    // Ordered so each assertion can fail: B looks after A wrote, A after B wrote.
    expect(await build(cb, m('b1'))).not.toContain(m('a1'));
    const again = await build(ca, m('a2'));
    expect(again).toContain(m('a1'));
    expect(again).not.toContain(m('b1'));
  });

  it("gives a project that names another's cache namespace a namespace inside its own: neither reads nor poisons the other's", async () => {
    const binds = [`${ctx}:/cache-ctx:ro`];
    const victim = `${projectA}-v`;
    const [va, vb] = await Promise.all([session('ns-a', { project: victim, binds }), session('ns-b', { project: `${projectB}-v`, binds })]);
    await build(va, m('va1'));
    const attacker = await build(vb, m('vb1'), `--build-arg BUILDKIT_CACHE_MOUNT_NS=${victim}`);
    expect(attacker).not.toContain(m('va1'));
    const next = await build(va, m('va2'));
    expect(next).toContain(m('va1'));
    expect(next).not.toContain(m('vb1'));
    // As the desktop user, through compose's build args too.
    const composed = await sh(vb, `mkdir -p /tmp/c && cp /cache-ctx/Dockerfile /tmp/c/ && printf 'services:\\n  p:\\n    build:\\n      context: .\\n      args:\\n        BUILDKIT_CACHE_MOUNT_NS: ${victim}\\n        MARK: ${m('vb2')}\\n    image: cache/compose:1\\n' > /tmp/c/compose.yaml && chmod -R a+rX /tmp/c && su - retro -c 'cd /tmp/c && docker compose build -q' && docker run --rm cache/compose:1 cat /seen`);
    expect(composed.code, composed.err).toBe(0);
    expect(composed.out).not.toContain(m('va1'));
    expect(await build(va, m('va3'))).not.toContain(m('vb2'));
  });
});

describe("the session's registry login", () => {
  it('goes to no registry but the shared one and the facade: a project file naming another host gets nothing', async () => {
    // A registry of the attacker's on the session's localhost: it asks every client for Basic credentials and keeps what it is sent.
    const server = `require("http").createServer((q, s) => { require("fs").appendFileSync("/tmp/captured", (q.headers.authorization ?? "-") + "\\n"); s.writeHead(401, { "WWW-Authenticate": "Basic realm=leak", "Docker-Distribution-API-Version": "registry/2.0" }); s.end(); }).listen(5999)`;
    const started = await sh(a, `rm -f /tmp/captured; (nohup /opt/helix/bin/node -e '${server}' >/dev/null 2>&1 &); for i in $(seq 50); do (echo > /dev/tcp/127.0.0.1/5999) 2>/dev/null && exit 0; sleep 0.1; done; exit 1`);
    expect(started.code, started.err).toBe(0);
    const dir = `/tmp/leak-${run}`;
    const r = await sh(a, `mkdir -p ${dir} && printf 'FROM busybox:stable\\n' > ${dir}/Dockerfile && printf 'services:\\n  app:\\n    build: .\\n    image: localhost:5999/leak:1\\n' > ${dir}/compose.yaml && chmod -R a+rX ${dir} && su - retro -c 'cd ${dir} && docker compose -p leak create'`);
    expect(r.code, r.err).toBe(0);
    const captured = (await sh(a, 'cat /tmp/captured')).out.split('\n').filter(Boolean);
    // The daemon did ask it (the pull compose would make), and sent no login.
    expect(captured.length).toBeGreaterThan(0);
    const logins = captured.filter((h) => h.startsWith('Basic ')).map((h) => Buffer.from(h.slice(6), 'base64').toString());
    expect(logins.filter((l) => l.startsWith('session-'))).toEqual([]);
    // Not a blind trap: a login the daemon does hold for that host reaches it.
    await sh(a, "echo decoy-pass | docker login localhost:5999 -u decoy --password-stdin >/dev/null 2>&1; pkill -f 'listen\\(5999\\)'");
    const after = (await sh(a, 'cat /tmp/captured')).out;
    expect(after).toContain(`Basic ${Buffer.from('decoy:decoy-pass').toString('base64')}`);
  });
});

describe('namespaces', () => {
  it("refuses a project id a namespace could not hold as it is (app- would have been app's), in one line", async () => {
    for (const args of [['credentials', 'issue', `ns-${process.pid}`, '--project', 'app-'], ['session', 'start', `ns-${process.pid}`, '--project', 'app-']]) {
      const r = await helixCli(args);
      expect(r.code).toBe(1);
      expect(r.err).toMatch(/^helix: error: BAD_FLAG: invalid project id "app-": use at most 63 lowercase letters and digits, separated by single/);
      expect(r.err.trim().split('\n')).toHaveLength(1);
    }
  });

  it('gives each session started without a project a namespace of its own', async () => {
    const [x, y] = await Promise.all([session('own-x'), session('own-y')]);
    const px = (await sh(x, 'echo $HELIX_PROJECT')).out.trim();
    const py = (await sh(y, 'echo $HELIX_PROJECT')).out.trim();
    expect(px).toBe(`session.${x}`);
    expect(py).toBe(`session.${y}`);
  });
});

describe('registry garbage collection', () => {
  it('keeps an image a session pushed under a tag of its own, and collects the transfers', async () => {
    const tag = `helix-registry:5000/helix-projects/${projectA}/mine:keep`;
    // A build first: the wrapper leaves the session's login in the user's config.json, as docker login would.
    const pushed = await asUser(a, `cd /ctx && docker build -q -t mine/app:1 . >/dev/null && docker tag busybox:stable ${tag} && docker push -q ${tag}`);
    expect(pushed.code, pushed.err).toBe(0);
    const r = await registryGc(deps, 0);
    expect(r.deleted).toBeGreaterThan(0);
    const token = await hostRegistryToken(deps.cfg, [repositoryAccess(`helix-projects/${projectA}/mine`, 'pull')]);
    const res = await fetch(`${registryUrl(deps.cfg)}/v2/helix-projects/${projectA}/mine/manifests/keep`, {
      method: 'HEAD',
      headers: { Authorization: `Bearer ${token}`, Accept: 'application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json' },
    });
    expect(res.status).toBe(200);
    expect((await asUser(a, `docker pull -q ${tag}`)).code).toBe(0);
  });
});

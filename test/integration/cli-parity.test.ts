// Black-box: through the wrapper, commands print and exit as plain docker does. "Plain" is the real
// CLI with the session's local builder, so it can only differ where the wrapper did something.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { sandboxUp } from '../../src/host/sandbox.js';
import { context, deps, nonce, session, sh } from './helpers.js';

let id: string;
let registryDir: string;

beforeAll(async () => {
  await sandboxUp(deps);
  const ctx = context({ Dockerfile: 'FROM scratch\nCOPY f /f\n', 'bad.Dockerfile': 'FROM scratch\nCOPY missing /missing\n', f: 'x\n' });
  registryDir = context({});
  id = await session('parity', { binds: [`${ctx}:/ctx`, `${registryDir}:/reg`] });
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

  it('writes the metadata file docker build writes: the local image as its digest, the tags as its names, only the user\'s arguments', async () => {
    const read = `/opt/helix/bin/node -p "const m = require('/tmp/META.json'); JSON.stringify([Object.keys(m).sort(), m['containerimage.digest'], m['image.name'], m['buildx.build.provenance'].invocation.parameters.args])"`;
    const w = await wrapped(`build -q --metadata-file /tmp/w.json -t parity/meta:1 . && ${read.replace('META', 'w')}`);
    const p = await plain(`build -q --metadata-file /tmp/p.json -t parity/meta-plain:1 . && ${read.replace('META', 'p')}`);
    expect(w.code, w.err).toBe(0);
    expect(p.code, p.err).toBe(0);
    const [wid, wm] = w.out.trim().split('\n');
    const [pid, pm] = p.out.trim().split('\n');
    // No build arguments: buildx leaves the key out (null here).
    expect(JSON.parse(wm as string)).toEqual([JSON.parse(pm as string)[0], wid, 'docker.io/parity/meta:1', null]);
    expect(JSON.parse(pm as string)).toEqual([expect.any(Array), pid, 'docker.io/parity/meta-plain:1', null]);
  });

  it('prints and fails as plain docker does for the desktop user too, with the image id the shared builder gives root', async () => {
    const asUser = (cmd: string) => sh(id, `su - retro -c 'cd /ctx && ${cmd}'`);
    const w = await asUser('docker build -q -t parity/user:1 .');
    // Plain docker as that user: the real CLI with its own buildx state (the wrapper gives each user theirs).
    const plainAsUser = 'BUILDX_CONFIG=$HOME/.docker/buildx BUILDX_BUILDER=default /usr/bin/docker';
    const p = await asUser(`${plainAsUser} build -q -t parity/user-plain:1 .`);
    expect(w.code, w.err).toBe(0);
    expect(p.code, p.err).toBe(0);
    expect(w.out).toMatch(/^sha256:[0-9a-f]{64}\n$/);
    expect(p.out).toMatch(/^sha256:[0-9a-f]{64}\n$/);
    expect(w.out).toBe((await wrapped('build -q -t parity/root:1 .')).out);
    const [wb, pb] = await Promise.all([asUser('docker build -f bad.Dockerfile .'), asUser(`${plainAsUser} build -f bad.Dockerfile .`)]);
    expect(pb.code).not.toBe(0);
    expect(wb.code).toBe(pb.code);
    expect(wb.out).toBe(pb.out);
  });

  it('refuses a tag docker refuses with docker\'s error, before building', async () => {
    const [w, p] = await Promise.all([wrapped("build -t 'Bad:Tag' ."), plain("build -t 'Bad:Tag' .")]);
    expect(p.code).toBe(1);
    expect([w.code, w.out]).toEqual([p.code, p.out]);
    const last = (err: string) => err.trim().split('\n').pop();
    expect(last(w.err)).toBe(last(p.err));
    expect(last(p.err)).toMatch(/invalid tag "Bad:Tag"/);
  });

  it('ends as plain docker does when the iidfile cannot be written: the id printed, the image loaded, exit 1', async () => {
    const noDir = (docker: string, tag: string) => sh(id, `cd /ctx && ${docker} build -q -t parity/${tag} --iidfile /nonexistent/dir/iid .; echo "rc=$?"; docker image inspect -f ok parity/${tag}`);
    const [w, p] = await Promise.all([noDir('docker', 'iid-w'), noDir('BUILDX_BUILDER=default /usr/bin/docker', 'iid-p')]);
    for (const r of [w, p]) expect(r.out).toMatch(/^sha256:[0-9a-f]{64}\nrc=1\nok\n$/);
    const last = (err: string) => err.trim().split('\n').pop();
    expect(last(w.err)).toBe(last(p.err));
    expect(last(p.err)).toBe('ERROR: writing image ID file: open /nonexistent/dir/iid: no such file or directory');
  });

  it('refuses a compose image name docker refuses with compose\'s own error', async () => {
    const badName = (docker: string, dir: string) =>
      sh(id, `mkdir -p /tmp/${dir} && cd /tmp/${dir} && cp /ctx/Dockerfile /ctx/f . && printf 'services:\\n  a:\\n    image: Bad/Name:1\\n    build: .\\n' > compose.yaml && ${docker} compose build`);
    const [w, p] = await Promise.all([badName('docker', 'badname-w'), badName('BUILDX_BUILDER=default /usr/bin/docker', 'badname-p')]);
    // Whether compose flushes its bake's first progress lines before the error is a race in compose itself.
    const withoutProgress = (out: string) => out.split('\n').filter((l) => !l.startsWith('#')).join('\n');
    expect(p.code).not.toBe(0);
    expect([w.code, withoutProgress(w.out)]).toEqual([p.code, withoutProgress(p.out)]);
    expect(w.err.trim().split('\n').pop()).toBe('invalid tag "Bad/Name:1": repository name must be lowercase');
  });

  it("lands an image output and a push in the daemon, which pushes it, as docker's own builder does", async () => {
    // A registry on the session's own localhost: plain docker's push leaves from the daemon, so it reaches it.
    const tar = join(registryDir, 'registry.tar');
    execFileSync('docker', ['save', '-o', tar, deps.cfg.registry.image]);
    const up = await sh(id, `docker load -q -i /reg/registry.tar >/dev/null && docker run -d --name parity-reg -p 5000:5000 ${deps.cfg.registry.image} >/dev/null && for i in $(seq 100); do /opt/helix/bin/node -e "fetch('http://localhost:5000/v2/').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))" && break; sleep 0.2; done`);
    expect(up.code, up.err).toBe(0);
    const digest = `/opt/helix/bin/node -p "require('/tmp/META.json')['containerimage.digest']"`;
    // Content no earlier build had: a cached COPY keeps the file times of the build that made it.
    const dir = `mkdir -p /tmp/pushctx && cd /tmp/pushctx && printf 'FROM scratch\\nCOPY n /n\\n' > Dockerfile && echo ${nonce()} > n`;
    expect((await sh(id, dir)).code).toBe(0);
    const push = (docker: string, who: string) =>
      sh(id, `cd /tmp/pushctx && ${docker} build -q --push --build-arg SOURCE_DATE_EPOCH=0 --metadata-file /tmp/${who}.json -t localhost:5000/parity/${who}:1 . && ${digest.replace('META', who)} && docker image inspect -f ok localhost:5000/parity/${who}:1`);
    const w = await push('docker', 'push-w');
    const p = await push('BUILDX_BUILDER=default /usr/bin/docker', 'push-p');
    expect(w.code, w.err).toBe(0);
    expect(p.code, p.err).toBe(0);
    // The same image id printed, the same manifest pushed (the registry's digest in the metadata file), the image kept.
    expect(w.out).toBe(p.out);
    expect(w.out).toMatch(/^sha256:[0-9a-f]{64}\nsha256:[0-9a-f]{64}\nok\n$/);
    expect(w.status).toMatch(/pushed with docker$/);

    // The desktop user the same, with their own CLI config and buildx state.
    const asUser = (cmd: string) => sh(id, `su - retro -c 'cd /tmp/pushctx && ${cmd}'`);
    const userPush = (docker: string, who: string) =>
      asUser(`${docker} build -q --push --build-arg SOURCE_DATE_EPOCH=0 -t localhost:5000/parity/${who}:1 . && docker image inspect -f "{{range .RepoDigests}}{{println .}}{{end}}" localhost:5000/parity/${who}:1 | grep -c /parity/${who}@`);
    const uw = await userPush('docker', 'user-push-w');
    const uplain = await userPush('BUILDX_CONFIG=$HOME/.docker/buildx BUILDX_BUILDER=default /usr/bin/docker', 'user-push-p');
    expect(uw.code, uw.err).toBe(0);
    expect(uplain.code, uplain.err).toBe(0);
    expect(uw.out).toBe(uplain.out);
    expect(uw.out).toBe(`${w.out.split('\n')[0]}\n1\n`);

    // bake --push the same: landed, then pushed by the daemon; the same manifest in the registry.
    const bakePush = (docker: string, who: string) =>
      sh(id, `cd /tmp/pushctx && printf 'target "${who}" {\\n  tags = ["localhost:5000/parity/${who}:1"]\\n  args = { SOURCE_DATE_EPOCH = "0" }\\n}\\n' > ${who}.hcl && ${docker} buildx bake -f ${who}.hcl --push --metadata-file /tmp/${who}.json ${who} && /opt/helix/bin/node -p "require('/tmp/${who}.json')['${who}']['containerimage.digest']" && docker image inspect -f ok localhost:5000/parity/${who}:1`);
    const bw = await bakePush('docker', 'bake-w');
    const bp = await bakePush('BUILDX_BUILDER=default /usr/bin/docker', 'bake-p');
    expect(bw.code, bw.err).toBe(0);
    expect(bp.code, bp.err).toBe(0);
    expect(bw.out).toBe(bp.out);
    expect(bw.out.split('\n')[0]).toBe(w.out.split('\n')[1]);

    // compose build --push the same: the daemon pushes each named service once it landed.
    const composePush = (docker: string, who: string, image: string) =>
      sh(id, `mkdir -p /tmp/${who} && cd /tmp/${who} && cp /tmp/pushctx/Dockerfile /tmp/pushctx/n . && printf 'services:\\n  s:\\n    image: ${image}\\n    build: .\\n' > compose.yaml && ${docker} compose build --push; echo "rc=$?"; docker image inspect -f '{{len .RepoDigests}}' ${image}`);
    const [cw, cp] = await Promise.all([
      composePush('docker', 'compose-w', 'localhost:5000/parity/compose-w:1'),
      composePush('BUILDX_BUILDER=default /usr/bin/docker', 'compose-p', 'localhost:5000/parity/compose-p:1'),
    ]);
    expect(cw.out.trim().split('\n').slice(-2)).toEqual(['rc=0', '1']);
    expect(cp.out.trim().split('\n').slice(-2)).toEqual(['rc=0', '1']);
    const refused = `${deps.cfg.registry.name}:${deps.cfg.registry.port}/parity/compose:1`;
    const [rw, rp] = await Promise.all([composePush('docker', 'refused-w', refused), composePush('BUILDX_BUILDER=default /usr/bin/docker', 'refused-p', refused)]);
    expect(rw.out.trim().split('\n').slice(-2)).toEqual(['rc=1', '0']);
    expect(rp.out.trim().split('\n').slice(-2)).toEqual(['rc=1', '0']);
    expect(rw.err.trim().split('\n').pop()).toBe(rp.err.trim().split('\n').pop());

    // A push the registry refuses: the same last line and exit code, the image still in the daemon, no id file.
    const denied = (docker: string, who: string) => sh(id, `cd /tmp/pushctx && ${docker} build -q --push --iidfile /tmp/${who}.iid -t ${deps.cfg.registry.name}:${deps.cfg.registry.port}/parity/${who}:1 .; echo "rc=$?"; docker image inspect -f ok ${deps.cfg.registry.name}:${deps.cfg.registry.port}/parity/${who}:1; test -e /tmp/${who}.iid && echo iid`);
    const [dw, dp] = await Promise.all([denied('docker', 'denied-w'), denied('BUILDX_BUILDER=default /usr/bin/docker', 'denied-p')]);
    expect(dw.out).toBe(dp.out);
    expect(dw.out).toBe('rc=1\nok\n');
    expect(dw.err.trim().split('\n').pop()).toBe(dp.err.trim().split('\n').pop());

    // An image output without a push: in the daemon under its name, as with the docker driver.
    const out = (docker: string, who: string) =>
      sh(id, `cd /tmp/pushctx && ${docker} build -q --build-arg SOURCE_DATE_EPOCH=0 -o type=image,name=parity/${who}:1 . && docker image inspect -f "{{.Id}}" parity/${who}:1`);
    const [iw, ip] = await Promise.all([out('docker', 'out-w'), out('BUILDX_BUILDER=default /usr/bin/docker', 'out-p')]);
    expect(iw.code, iw.err).toBe(0);
    expect(iw.out).toBe(ip.out);
    // The desktop user's lands the same image.
    const iu = await sh(id, `su - retro -c 'cd /tmp/pushctx && docker build -q --build-arg SOURCE_DATE_EPOCH=0 -o type=image,name=parity/out-u:1 . && docker image inspect -f "{{.Id}}" parity/out-u:1'`);
    expect(iu.code, iu.err).toBe(0);
    expect(iu.out).toBe(iw.out);
  });

  it("leaves an untagged build without a name, as docker's builder does, for image prune to take", async () => {
    const untaggedScript = (docker: string, who: string) =>
      `mkdir -p /tmp/${who} && cd /tmp/${who} && printf 'FROM scratch\\nCOPY f /f\\nLABEL n=${nonce()}\\n' > Dockerfile && echo x > f && ${docker} build -q . > id && docker image inspect -f '{{json .RepoTags}} {{json .RepoDigests}}' $(cat id) && docker images -q --no-trunc --filter dangling=true | grep -c $(cat id)`;
    const untagged = (docker: string, who: string) => sh(id, untaggedScript(docker, who));
    // Another tagged image is there, as in any session that built or pulled one; it is left as it was.
    expect((await wrapped('build -q -t parity/tagged:1 .')).code).toBe(0);
    const images = async () => (await sh(id, `for i in $(docker images -a -q --no-trunc | sort -u); do docker image inspect -f '{{.Id}} {{.RepoTags}} {{.Metadata.LastTagTime}}' $i; done`)).out;
    const before = await images();
    const w = await untagged('docker', 'untagged-w');
    expect(w.code, w.err).toBe(0);
    const built = (await sh(id, 'cat /tmp/untagged-w/id')).out.trim();
    expect((await images()).split('\n').filter((l) => !l.startsWith(built))).toEqual(before.split('\n'));
    const p = await untagged('BUILDX_BUILDER=default /usr/bin/docker', 'untagged-p');
    expect(w.out).toBe(p.out);
    expect(w.out).toBe('[] []\n1\n');
    expect((await sh(id, 'docker image prune -f >/dev/null && docker image inspect $(cat /tmp/untagged-w/id)')).code).not.toBe(0);
    // The desktop user's too.
    const asUser = await sh(id, `cat > /tmp/untagged-user.sh <<'EOF'\n${untaggedScript('docker', 'untagged-u')}\nEOF\nsu - retro -c 'sh /tmp/untagged-user.sh'`);
    expect(asUser.code, asUser.err).toBe(0);
    expect(asUser.out).toBe('[] []\n1\n');
    // And in a daemon with no other image at all.
    const empty = await session('parity-empty');
    const alone = await sh(empty, untaggedScript('docker', 'alone'));
    expect(alone.code, alone.err).toBe(0);
    expect(alone.out).toBe('[] []\n1\n');
    expect((await sh(empty, 'docker images -a -q | wc -l')).out.trim()).toBe('1');
  });

  it('fails a broken build with the same exit code and empty stdout', async () => {
    const [w, p] = await Promise.all([wrapped('build -f bad.Dockerfile -t parity/bad:1 .'), plain('build -f bad.Dockerfile -t parity/bad2:1 .')]);
    expect(p.code).not.toBe(0);
    expect(w.code).toBe(p.code);
    expect(w.out).toBe('');
    expect(p.out).toBe('');
  });

  it('ends as plain docker does when its build is sent SIGTERM, leaving no build process or temp dir behind', async () => {
    // Each build runs a step of its own (a nonce), so neither shares the other's solve in BuildKit.
    const slow = (docker: string, tag: string) =>
      [
        `mkdir -p /tmp/${tag} && printf 'FROM debian:trixie\\nRUN sleep 60 && echo ${nonce()}\\n' > /tmp/${tag}/Dockerfile && cd /tmp/${tag}`,
        `${docker} build -t parity/${tag} . >/dev/null 2>&1 & pid=$!`,
        'sleep 5; kill -TERM $pid; wait $pid; echo "rc=$?"',
      ].join('\n');
    const [w, p] = await Promise.all([sh(id, slow('docker', 'slow-w')), sh(id, slow('/usr/bin/docker', 'slow-p'))]);
    expect(p.out).toMatch(/^rc=\d+$/m);
    expect(w.out).toBe(p.out);
    // The wrapper's build process (its argv names the tag; the bracket keeps pgrep off this script).
    const left = await sh(id, "sleep 1; pgrep -f 'parity/slow[-]w' | wc -l; ls -d /tmp/helix-build-* /tmp/helix-compose-* 2>/dev/null | wc -l");
    expect(left.out).toBe('0\n0\n');
  });
});

describe('the builder docker itself would use', () => {
  it('leaves builds with BuildKit turned off to the legacy builder, as docker and compose do', async () => {
    const legacy = (docker: string, tag: string) => sh(id, `cd /ctx && DOCKER_BUILDKIT=0 ${docker} build -t parity/${tag} .`);
    const [lw, lp] = await Promise.all([legacy('docker', 'legacy-w'), legacy('/usr/bin/docker', 'legacy-p')]);
    for (const r of [lw, lp]) {
      expect(r.code, r.err).toBe(0);
      expect(r.out).toMatch(/^Sending build context to Docker daemon/);
      expect(r.out).toMatch(/^Successfully tagged parity\/legacy-[wp]:latest$/m);
    }
    expect(lw.err).toMatch(/^DEPRECATED: The legacy builder/);
    expect(lw.err).toBe(lp.err);
    const notBool = (docker: string) => sh(id, `cd /ctx && DOCKER_BUILDKIT=maybe ${docker} build .`);
    const [bw, bp] = await Promise.all([notBool('docker'), notBool('/usr/bin/docker')]);
    expect(bp.code).not.toBe(0);
    expect([bw.code, bw.out, bw.err]).toEqual([bp.code, bp.out, bp.err]);
    const compose = [
      'mkdir -p /tmp/legacy && cd /tmp/legacy && cp /ctx/Dockerfile /ctx/f .',
      `printf 'services:\\n  a:\\n    image: parity/legacy-compose:1\\n    build: .\\n' > compose.yaml`,
      'DOCKER_BUILDKIT=0 docker compose build >/dev/null',
      `docker image inspect -f '{{index .Config.Labels "com.docker.compose.image.builder"}}' parity/legacy-compose:1`,
    ].join(' && ');
    const c = await sh(id, compose);
    expect(c.code, c.err).toBe(0);
    expect(c.err).not.toMatch(/^helix: /m);
    expect(c.out).toBe('classic\n');
  });

  it('does the same for the desktop user: the legacy builder, the metadata file, a host-network build', async () => {
    const asUser = (cmd: string) => sh(id, `su - retro -c 'cd /ctx && ${cmd}'`);
    const legacy = await asUser('DOCKER_BUILDKIT=0 docker build -t parity/user-legacy .');
    expect(legacy.code, legacy.err).toBe(0);
    expect(legacy.out).toMatch(/^Sending build context to Docker daemon/);
    expect(legacy.err).not.toMatch(/^helix: /m);
    const meta = await asUser(`docker build -q --metadata-file /tmp/user-m.json -t parity/user-meta:1 . && /opt/helix/bin/node -p "require(\\"/tmp/user-m.json\\")[\\"image.name\\"]"`);
    expect(meta.code, meta.err).toBe(0);
    expect(meta.out.trim().split('\n')).toEqual([expect.stringMatching(/^sha256:/), 'docker.io/parity/user-meta:1']);
    const host = await asUser('docker build --network=host -t parity/user-host .');
    expect(host.code, host.err).toBe(0);
    expect(host.status).toBe("helix: --network=host needs the session's own builder; built with the local builder");
  });

  it('builds docker build on the context builder after docker buildx use, as the CLI does, and buildx build on the chosen one', async () => {
    const chosen = (cmd: string) => sh(id, `cd /ctx && unset BUILDX_BUILDER && docker buildx use helix-shared && docker ${cmd}; rc=$?; docker buildx use default; exit $rc`);
    const b = await chosen('build -t parity/used:1 .');
    expect(b.code, b.err).toBe(0);
    expect(b.err).toMatch(/^#0 building with "default" instance using docker driver$/m);
    expect(b.err).not.toMatch(/^helix: /m);
    const x = await chosen('buildx build --load -t parity/used:2 .');
    expect(x.code, x.err).toBe(0);
    expect(x.status).toMatch(/^helix: parity\/used:2 /);
  });
});

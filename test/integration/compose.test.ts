// docker compose build, up, create and run through the wrapper, under Compose 2.40 (builds through
// bake) and 2.26 (classic builds), on both engines: image naming, build args, inline Dockerfiles, a
// service built FROM another service's image, compose's labels and image ids (against plain compose on
// the same builder, for every project plain compose can build there: one whose service builds FROM
// another service's image it cannot), and the builds up does without --build.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { sandboxUp } from '../../src/host/sandbox.js';
import { context, deps, nonce, session, sh } from './helpers.js';

const COMPOSE_226 = '/opt/helix-stack/compose-old/docker-compose';

function project(n: string): string {
  const dir = context({
    'compose.yaml': [
      'name: shop',
      'services:',
      '  base:',
      '    build: ./base',
      '  app:',
      '    build:',
      '      context: ./app',
      '      args:',
      '        GREETING: hello',
      '    depends_on: [base]',
      '  tool:',
      '    image: shop/tool:dev',
      '    build:',
      '      context: ./app',
      '      dockerfile_inline: |',
      '        FROM shop-base',
      '        RUN echo tool > /tool',
      '',
    ].join('\n'),
  });
  mkdirSync(join(dir, 'base'));
  mkdirSync(join(dir, 'app'));
  writeFileSync(join(dir, 'base/Dockerfile'), `FROM debian:trixie\nRUN echo base-${n} > /base\nCMD ["sleep", "infinity"]\n`);
  writeFileSync(join(dir, 'app/Dockerfile'), 'FROM shop-base\nARG GREETING\nRUN echo $GREETING > /greeting\n');
  return dir;
}

/** A project of two services built from inline Dockerfiles, each running `run`. */
function twoServices(a: string, runA: string, b: string, runB: string): string {
  const service = (name: string, run: string) => [`  ${name}:`, '    build:', '      context: ./app', '      dockerfile_inline: |', '        FROM debian:trixie', `        RUN ${run}`];
  return ['name: shop', 'services:', ...service(a, runA), ...service(b, runB), ''].join('\n');
}

const COMPOSE = [
  { version: '2.40', env: '', binds: [] as string[] },
  { version: '2.26', env: 'DOCKER_CONFIG=/opt/compose-old ', binds: [`${COMPOSE_226}:/opt/compose-old/cli-plugins/docker-compose:ro`] },
];
/** Both engines the package registries serve: Debian trixie's 26 and sid's 28. */
const ENGINES = [
  { engine: '26', image: deps.cfg.desktopImage },
  { engine: '28', image: 'helix/ubuntu-helix:newest' },
];

describe.each(ENGINES.flatMap((e) => COMPOSE.map((c) => ({ ...c, ...e }))))('compose $version, engine $engine', ({ version, env, binds, engine, image }) => {
  let id: string;
  const n = nonce();
  const dir = project(n);
  const compose = (args: string) => sh(id, `cd /proj && ${env}docker compose ${args}`);

  beforeAll(async () => {
    await sandboxUp(deps);
    id = await session(`compose${version.replace('.', '')}e${engine}`, { image, binds: [`${dir}:/proj`, ...binds] });
    const v = await compose('version --short');
    expect(v.out.trim()).toMatch(new RegExp(`^v?${version.replace('.', '\\.')}\\.`));
  });

  it('builds every service on the shared builder, the dependent one FROM the other', async () => {
    const r = await compose('build');
    expect(r.code, r.err).toBe(0);
    for (const svc of ['base', 'app', 'tool']) expect(r.err).toMatch(new RegExp(`^helix: \\[${svc}\\] `, 'm'));
    const app = await sh(id, 'docker run --rm shop-app cat /base /greeting');
    expect(app.out).toBe(`base-${n}\nhello\n`);
    expect((await sh(id, 'docker run --rm shop/tool:dev cat /tool')).out).toBe('tool\n');
  });

  it('skips every load when nothing changed, and prints what compose prints of its builds', async () => {
    const r = await compose('build');
    expect(r.code, r.err).toBe(0);
    expect(r.err.match(/unchanged on helix-shared, load skipped/g)).toHaveLength(3);
    // compose's own lines: a Built event per image after a bake (2.40), none after classic builds (2.26).
    const own = r.err.split('\n').filter((l) => l && !l.startsWith('helix: ')).sort();
    expect(own).toEqual(version === '2.40' ? [' shop-app  Built', ' shop-base  Built', ' shop/tool:dev  Built'] : []);
    if (version === '2.40') {
      const json = await compose('--progress json build base');
      expect(json.err.split('\n').filter((l) => l.startsWith('{'))).toEqual(['{"id":"shop-base","status":"Built"}']);
    }
    // A dry run builds nothing: compose's own.
    const dry = await compose('--dry-run build');
    expect(dry.code, dry.err).toBe(0);
    expect(dry.err).not.toMatch(/^helix: /m);
  });

  it('rebuilds the dependent services on a changed base', async () => {
    writeFileSync(join(dir, 'base/Dockerfile'), `FROM debian:trixie\nRUN echo base-${n}-2 > /base\nCMD ["sleep", "infinity"]\n`);
    const r = await compose('build');
    expect(r.code, r.err).toBe(0);
    expect((await sh(id, 'docker run --rm shop-app cat /base')).out).toBe(`base-${n}-2\n`);
    expect((await sh(id, 'docker run --rm shop/tool:dev cat /base')).out).toBe(`base-${n}-2\n`);
    // Nothing changed since: every service, dependents included, is checked in one round.
    const again = await compose('build');
    expect(again.err.match(/unchanged on helix-shared, load skipped/g)).toHaveLength(3);
  });

  it('runs up --build with the images it built, then brings the project down', async () => {
    const up = await compose('up --build -d app');
    expect(up.code, up.err).toBe(0);
    expect(up.err).toMatch(/^helix: \[app\] /m);
    const ps = await compose("ps --format '{{.Service}}'");
    expect(ps.out.split('\n').filter(Boolean).sort()).toEqual(['app', 'base']);
    expect((await compose('down -t 1')).code).toBe(0);
  });

  it('prints build progress on stdout and its own lines on stderr, as plain compose does', async () => {
    const r = await compose('--progress=plain run --build --rm -T app cat /greeting');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/^#\d+ /m);
    expect(r.out.endsWith('\nhello\n')).toBe(true);
    expect(r.err).not.toMatch(/^#\d+ /m);
    expect(r.err).toMatch(/^helix: \[app\] /m);
    const quiet = await compose('build --quiet');
    expect(quiet.code, quiet.err).toBe(0);
    expect(quiet.out).toBe('');
  });

  it('follows a changed compose file, though its builds start on the project as last read', async () => {
    const file = join(dir, 'compose.yaml');
    const before = readFileSync(file, 'utf8');
    writeFileSync(file, before.replace('GREETING: hello', 'GREETING: changed'));
    try {
      const r = await compose('build');
      expect(r.code, r.err).toBe(0);
      expect((await sh(id, 'docker run --rm shop-app cat /greeting')).out).toBe('changed\n');
    } finally {
      writeFileSync(file, before);
    }
    expect((await compose('build')).code).toBe(0);
    expect((await sh(id, 'docker run --rm shop-app cat /greeting')).out).toBe('hello\n');
  });

  it('builds service by service where one bake cannot, dependents on the images last moved', async () => {
    // bake does not take a dot in a target name; compose does in a service name.
    writeFileSync(join(dir, 'dotted.yaml'), 'name: shop\nservices:\n  base:\n    build: ./base\n  app.v2:\n    build:\n      context: ./app\n      args:\n        GREETING: dotted\n');
    const r = await compose('-f dotted.yaml build');
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(/^helix: \[app\.v2\] shop-app\.v2 changed, pulled by digest/m);
    expect((await sh(id, 'docker run --rm shop-app.v2 cat /base /greeting')).out).toBe(`base-${n}-2\ndotted\n`);
  });

  it('fails a failing build the way plain compose does', async () => {
    writeFileSync(join(dir, 'failing.yaml'), 'name: shop\nservices:\n  bad:\n    build:\n      context: ./app\n      dockerfile_inline: |\n        FROM debian:trixie\n        RUN exit 3\n');
    const wrapped = await compose('-f failing.yaml build');
    const plain = await sh(id, `cd /proj && ${env}/usr/bin/docker compose -f failing.yaml build`);
    expect(plain.code).not.toBe(0);
    expect(wrapped.code).toBe(plain.code);
    // Progress, the failed step included, on stdout; the error that ends the build on stderr.
    for (const r of [plain, wrapped]) {
      expect(r.out).toMatch(/^#\d+ ERROR: process .* exit code: 3$/m);
      expect(r.err.trimEnd()).toMatch(/did not complete successfully: exit code: 3$/);
    }
  });

  it('lands a service as soon as its build finishes, while another still builds', async () => {
    // The slow build's margin is the time the quick image has to land in: wide enough for a loaded machine.
    writeFileSync(join(dir, 'early.yaml'), twoServices('quick', `echo quick-${n} > /quick`, 'slow', `sleep 15 && echo slow-${n} > /slow`));
    const r = await sh(id, `cd /proj && (${env}docker compose -f early.yaml build >/tmp/early.out 2>&1; echo $? >/tmp/early.rc) & while [ ! -f /tmp/early.rc ]; do docker image inspect shop-quick >/dev/null 2>&1 && echo seen && break; sleep 0.2; done; wait; cat /tmp/early.rc`);
    expect(r.out, (await sh(id, 'cat /tmp/early.out')).out).toBe('seen\n0\n');
    expect((await sh(id, 'docker run --rm shop-quick cat /quick && docker run --rm shop-slow cat /slow')).out).toBe(`quick-${n}\nslow-${n}\n`);
  });

  it('keeps what finished before another service failed, as plain compose does', async () => {
    // broken fails only once done is in the daemon: it waits for a port the session opens then, so
    // neither run depends on how fast a loaded machine builds and loads done.
    const ip = (await sh(id, 'hostname -i')).out.trim().split(/\s+/)[0] as string;
    const build = async (how: string, port: number) => {
      const gate = `["bash", "-c", "until (exec 3<>/dev/tcp/${ip}/${port}) 2>/dev/null; do sleep 0.2; done; exit 5"]`;
      writeFileSync(join(dir, 'half.yaml'), twoServices('done', `echo done-${n} > /done`, 'broken', gate));
      await sh(id, 'docker image rm -f shop-done >/dev/null 2>&1; true');
      const r = await sh(
        id,
        `cd /proj && (${how} -f half.yaml build >/tmp/half.out 2>&1; echo $? >/tmp/half.rc) & build=$!; ` +
          'for i in $(seq 600); do docker image inspect shop-done >/dev/null 2>&1 && break; sleep 0.2; done; ' +
          `/opt/helix/bin/node -e "require('net').createServer((s) => s.destroy()).listen(${port})" & open=$!; ` +
          'wait $build; kill $open; cat /tmp/half.rc',
      );
      expect(r.out.trim(), (await sh(id, 'cat /tmp/half.out')).out).not.toBe('0');
      return { exit: r.out.trim(), kept: (await sh(id, 'docker image inspect -f {{.Id}} shop-done')).code === 0 };
    };
    const plain = await build(`${env}/usr/bin/docker compose`, 41001);
    expect(plain.kept).toBe(true);
    expect(await build(`${env}docker compose`, 41002)).toEqual(plain);
  });

  it('leaves the image id plain compose leaves under every tag, labelled as compose labels it', async () => {
    writeFileSync(
      join(dir, 'ids.yaml'),
      'name: ids\nservices:\n  a:\n    build:\n      context: ./app\n      dockerfile_inline: |\n        FROM debian:trixie\n        RUN echo a > /a\n      labels:\n        team: core\n  b:\n    image: ids/b:1\n    build:\n      context: ./app\n      args:\n        GREETING: ids\n      dockerfile_inline: |\n        FROM debian:trixie\n        ARG GREETING\n        RUN echo $GREETING > /greeting\n',
    );
    const ids = async () => (await sh(id, "docker image inspect -f '{{.Id}}' ids-a ids/b:1")).out;
    const wrapped = await compose('-f ids.yaml build');
    expect(wrapped.code, wrapped.err).toBe(0);
    const viaWrapper = await ids();
    const plain = await sh(id, `cd /proj && ${env}/usr/bin/docker compose -f ids.yaml build`);
    expect(plain.code, plain.err).toBe(0);
    expect(await ids()).toBe(viaWrapper);
    const labelled = await sh(id, "docker image ls -q --filter label=com.docker.compose.project=ids --filter label=com.docker.compose.version | sort -u | wc -l");
    expect(labelled.out.trim()).toBe('2');
    const a = await sh(id, "docker image inspect -f '{{index .Config.Labels \"team\"}} {{index .Config.Labels \"com.docker.compose.service\"}}' ids-a");
    expect(a.out.trim()).toBe('core a');
  });

  it('builds the images up -d misses through the smart path, and nothing once they are there, as plain compose would', async () => {
    writeFileSync(
      join(dir, 'implicit.yaml'),
      'name: impl\nservices:\n  web:\n    build:\n      context: ./app\n      dockerfile_inline: |\n        FROM debian:trixie\n        RUN echo impl > /impl\n        CMD ["sleep", "infinity"]\n',
    );
    const imageId = async () => (await sh(id, "docker image inspect -f '{{.Id}}' impl-web")).out;
    await sh(id, 'docker image rm -f impl-web');
    const up = await compose('-f implicit.yaml up -d');
    expect(up.code, up.err).toBe(0);
    expect(up.err).toMatch(/^helix: \[web\] impl-web changed, pulled by digest/m);
    const viaWrapper = await imageId();
    expect((await compose('-f implicit.yaml down -t 1')).code).toBe(0);
    const again = await compose('-f implicit.yaml up -d');
    expect(again.code, again.err).toBe(0);
    expect(again.err).not.toMatch(/^helix: /m);
    expect((await compose('-f implicit.yaml down -t 1')).code).toBe(0);
    await sh(id, 'docker image rm -f impl-web');
    const plain = await sh(id, `cd /proj && ${env}/usr/bin/docker compose -f implicit.yaml up -d`);
    expect(plain.code, plain.err).toBe(0);
    expect(await imageId()).toBe(viaWrapper);
    expect((await compose('-f implicit.yaml down -t 1')).code).toBe(0);
  });

  it('fails a missing image under pull_policy never as compose does', async () => {
    writeFileSync(join(dir, 'never.yaml'), 'name: never\nservices:\n  web:\n    image: never/none:1\n    pull_policy: never\n');
    const wrapped = await compose('-f never.yaml up -d');
    const plain = await sh(id, `cd /proj && ${env}/usr/bin/docker compose -f never.yaml up -d`);
    expect(plain.code).not.toBe(0);
    expect(wrapped.code).toBe(plain.code);
    expect(wrapped.out).toBe(plain.out);
    expect(wrapped.err.trim().split('\n').pop()).toBe(plain.err.trim().split('\n').pop());
  });

  it('passes values with $, ${ and %{ to the build verbatim, as classic compose does', async () => {
    writeFileSync(
      join(dir, 'literal.yaml'),
      'name: lit\nservices:\n  v:\n    build:\n      context: ./app\n      args:\n        H: "$${HOME}x"\n        P: "%{x}"\n      dockerfile_inline: |\n        FROM debian:trixie\n        ARG H\n        ARG P\n        RUN echo "$$H|$$P" > /v\n',
    );
    const r = await compose('-f literal.yaml build');
    expect(r.code, r.err).toBe(0);
    expect((await sh(id, 'docker run --rm lit-v cat /v')).out).toBe('${HOME}x|%{x}\n');
    // Plain compose 2.40 writes these values into its bake file unescaped and fails on them ("Invalid
    // template control keyword"); classic compose is the oracle here.
    if (version === '2.26') {
      const plain = await sh(id, `cd /proj && ${env}/usr/bin/docker compose -f literal.yaml build --no-cache`);
      expect(plain.code, plain.err).toBe(0);
      expect((await sh(id, 'docker run --rm lit-v cat /v')).out).toBe('${HOME}x|%{x}\n');
    }
  });

  it("applies a service's build ulimits, and leaves a build key it does not run to compose", async () => {
    const limited = (extra: string) =>
      `name: lim\nservices:\n  u:\n    build:\n      context: ./app\n${extra}      dockerfile_inline: |\n        FROM debian:trixie\n        RUN echo "$$(ulimit -n) $$(ulimit -Hn)" > /u\n`;
    writeFileSync(join(dir, 'limits.yaml'), limited('      ulimits:\n        nofile: { soft: 300, hard: 400 }\n'));
    const r = await compose('-f limits.yaml build');
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(/^helix: \[u\] /m);
    expect((await sh(id, 'docker run --rm lim-u cat /u')).out).toBe('300 400\n');
    writeFileSync(join(dir, 'isolated.yaml'), limited('      isolation: default\n'));
    const own = await compose('-f isolated.yaml build');
    expect(own.code, own.err).toBe(0);
    expect(own.err).not.toMatch(/^helix: /m);
  });

  it('fails on an unknown service exactly as plain compose does: same exit code and error', async () => {
    const wrapped = await compose('build --build-arg GREETING=x nosuchservice');
    const plain = await sh(id, `cd /proj && ${env}/usr/bin/docker compose build --build-arg GREETING=x nosuchservice`);
    expect(plain.code).not.toBe(0);
    expect(wrapped.code).toBe(plain.code);
    expect(wrapped.out).toBe(plain.out);
    expect(wrapped.err).toBe(plain.err);
  });
});

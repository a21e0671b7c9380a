import { describe, expect, it } from 'vitest';
import { parseBuildArgs, type ParsedBuild } from '../../../src/wrapper/read/build-flags.js';
import { bakeDefinition } from '../../../src/wrapper/plan/compose-bake.js';

function build(...args: string[]): ParsedBuild {
  const r = parseBuildArgs(args);
  if (!r.ok) throw new Error(r.reason);
  return r.build;
}

const out = (repo: string) => `type=image,name=r:5000/p/${repo},push=true,push-by-digest=true`;

describe('bakeDefinition', () => {
  it('makes every service a target, and a service another builds on a target: context', () => {
    const d = bakeDefinition(
      [
        { service: 'base', build: build('/p/base'), needs: [], output: out('base') },
        {
          service: 'app',
          build: build('--file=/p/app/Dockerfile.dev', '--build-arg=A=1', '--build-arg=FROM_ENV', '--build-arg=UNSET', '--target=run', '--label=x=y', '--build-context=src=/p/src', '--secret=id=s,src=/p/s', '--cache-from=type=local,src=/c', '--platform=linux/amd64', '--add-host=db=10.0.0.2', '--shm-size=2g', '--no-cache', '--pull', '--progress=plain', '/p/app'),
          needs: [{ service: 'base', ref: 'shop-base' }],
          output: out('app'),
        },
        { service: 'tool', build: build('/p/app'), inlineDockerfile: 'FROM shop-base\n', needs: [{ service: 'base', ref: 'shop-base' }], output: out('tool') },
      ],
      { FROM_ENV: 'e' },
    );
    expect(d).toEqual({
      definition: {
        group: { default: { targets: ['base', 'app', 'tool'] } },
        target: {
          base: { context: '/p/base', output: [out('base')] },
          app: {
            context: '/p/app',
            output: [out('app')],
            dockerfile: '/p/app/Dockerfile.dev',
            args: { A: '1', FROM_ENV: 'e' },
            target: 'run',
            labels: { x: 'y' },
            contexts: { src: '/p/src', 'shop-base': 'target:base' },
            secret: ['id=s,src=/p/s'],
            'cache-from': ['type=local,src=/c'],
            platforms: ['linux/amd64'],
            'extra-hosts': { db: '10.0.0.2' },
            'shm-size': '2g',
            'no-cache': true,
            pull: true,
          },
          tool: { context: '/p/app', output: [out('tool')], 'dockerfile-inline': 'FROM shop-base\n', contexts: { 'shop-base': 'target:base' } },
        },
      },
    });
  });

  it('declines what one bake would do differently, so the services build one by one', () => {
    expect(bakeDefinition([{ service: 'a', build: build('--ssh=default', '.'), needs: [], output: 'o' }], {})).toEqual({ unsupported: 'service a: --ssh' });
    expect(bakeDefinition([{ service: 'a.b', build: build('.'), needs: [], output: 'o' }], {})).toMatchObject({ unsupported: expect.stringContaining('a.b') });
    expect(bakeDefinition([{ service: 'a', build: build('--cgroup-parent=x', '.'), needs: [], output: 'o' }], {})).toEqual({ unsupported: 'service a: --cgroup-parent' });
  });

  it("gives a target the service's ulimits", () => {
    const d = bakeDefinition([{ service: 'a', build: build('--ulimit=nofile=1234', '--ulimit=nproc=1:2', '.'), needs: [], output: 'o' }], {});
    expect(d).toMatchObject({ definition: { target: { a: { ulimits: ['nofile=1234', 'nproc=1:2'] } } } });
  });
});

describe('bake file values', () => {
  it('escapes ${ and %{ so bake passes every value on verbatim, as compose does', () => {
    const d = bakeDefinition([{ service: 'a', build: build('--build-arg=H=${HOME}x', '--label=l=%{x}', '.'), needs: [], output: 'o' }], {});
    expect(d).toMatchObject({ definition: { target: { a: { args: { H: '$${HOME}x' }, labels: { l: '%%{x}' } } } } });
  });
});

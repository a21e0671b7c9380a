import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { findPlugin, pluginDirs, REEXEC_ENV, runPlugin } from '../../../src/wrapper/read/cli-plugin.js';

describe('pluginDirs', () => {
  it('follows the CLI: config dir, extra dirs, then the system dirs', () => {
    expect(pluginDirs('/home/u/.docker', ['/opt/p'])).toEqual([
      '/home/u/.docker/cli-plugins',
      '/opt/p',
      '/usr/local/lib/docker/cli-plugins',
      '/usr/local/libexec/docker/cli-plugins',
      '/usr/lib/docker/cli-plugins',
      '/usr/libexec/docker/cli-plugins',
    ]);
  });
});

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'helix-plugin-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

/** An executable plugin file in `at`. */
async function plugin(at: string, name = 'buildx', script = '#!/bin/sh\n'): Promise<string> {
  await mkdir(at, { recursive: true });
  const p = join(at, `docker-${name}`);
  await writeFile(p, script);
  await chmod(p, 0o755);
  return p;
}

describe('findPlugin', () => {
  it('prefers the config dir given by --config over DOCKER_CONFIG', async () => {
    const mine = await plugin(join(dir, 'flag', 'cli-plugins'));
    await plugin(join(dir, 'env', 'cli-plugins'));
    expect(findPlugin('buildx', join(dir, 'flag'), { DOCKER_CONFIG: join(dir, 'env') })).toBe(mine);
  });

  it('uses cliPluginsExtraDirs from config.json', async () => {
    const extra = await plugin(join(dir, 'extra'));
    await mkdir(join(dir, 'cfg'));
    await writeFile(join(dir, 'cfg', 'config.json'), JSON.stringify({ cliPluginsExtraDirs: [join(dir, 'extra')] }));
    expect(findPlugin('buildx', undefined, { DOCKER_CONFIG: join(dir, 'cfg') })).toBe(extra);
  });

  it('skips a file that is not executable', async () => {
    await mkdir(join(dir, 'cfg', 'cli-plugins'), { recursive: true });
    await writeFile(join(dir, 'cfg', 'cli-plugins', 'docker-buildx'), '');
    const found = findPlugin('buildx', join(dir, 'cfg'), {});
    expect(found === undefined || found.startsWith('/usr/')).toBe(true);
  });

  it('gives up (the CLI decides) when config.json cannot be read the same way', async () => {
    await plugin(join(dir, 'cfg', 'cli-plugins'));
    await writeFile(join(dir, 'cfg', 'config.json'), '{ not json');
    expect(findPlugin('buildx', join(dir, 'cfg'), {})).toBeUndefined();
  });
});

describe('runPlugin', () => {
  it('runs the named plugin as the CLI would: the whole argv, and the CLI named in the re-exec variable', async () => {
    await plugin(join(dir, 'cli-plugins'), 'compose', `#!/bin/sh\necho "$*|$${REEXEC_ENV}"\n`);
    const r = await runPlugin('compose', '/usr/bin/docker', dir, ['--config', dir, 'compose', 'config', '--format', 'json'], { stdout: 'capture', stdin: 'ignore' });
    expect(r.stdout.trim()).toBe(`--config ${dir} compose config --format json|/usr/bin/docker`);
  });

  it('goes through the CLI when it cannot be certain which plugin the CLI would run', async () => {
    await writeFile(join(dir, 'config.json'), '{ not json');
    const r = await runPlugin('compose', '/bin/echo', dir, ['compose', 'version'], { stdout: 'capture', stdin: 'ignore' });
    expect(r.stdout.trim()).toBe('compose version');
  });
});

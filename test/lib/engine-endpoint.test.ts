import { describe, expect, it } from 'vitest';
import { parseDockerArgv } from '../../src/wrapper/read/docker-argv.js';
import { DEFAULT_SOCKET, engineSocket } from '../../src/lib/engine-endpoint.js';

const none = { tls: false };

describe('engineSocket', () => {
  it('is the default socket when nothing names another daemon', () => {
    expect(engineSocket(none, {})).toBe(DEFAULT_SOCKET);
    expect(engineSocket(none, { DOCKER_CONTEXT: 'default' }, 'default')).toBe(DEFAULT_SOCKET);
  });

  it('follows -H and DOCKER_HOST to a unix socket, and leaves tcp and ssh to the CLI', () => {
    expect(engineSocket({ tls: false, host: 'unix:///run/inner/docker.sock' }, { DOCKER_HOST: 'unix:///x' })).toBe('/run/inner/docker.sock');
    expect(engineSocket(none, { DOCKER_HOST: 'unix:///x.sock' })).toBe('/x.sock');
    expect(engineSocket({ tls: false, host: 'tcp://10.0.0.1:2375' }, {})).toBeUndefined();
    expect(engineSocket(none, { DOCKER_HOST: 'ssh://me@box' })).toBeUndefined();
  });

  it('ranks like the CLI: --context, then -H, then DOCKER_HOST, then DOCKER_CONTEXT, then config.json', () => {
    expect(engineSocket({ tls: false, context: 'remote' }, { DOCKER_HOST: 'unix:///x' })).toBeUndefined();
    expect(engineSocket({ tls: false, context: 'default' }, { DOCKER_HOST: 'unix:///x' })).toBe('/x');
    expect(engineSocket(none, { DOCKER_HOST: 'unix:///x', DOCKER_CONTEXT: 'remote' }, 'remote')).toBe('/x');
    expect(engineSocket(none, { DOCKER_CONTEXT: 'remote' })).toBeUndefined();
    expect(engineSocket(none, {}, 'remote')).toBeUndefined();
  });

  it('leaves TLS to the CLI', () => {
    const d = parseDockerArgv(['--tlsverify', '-H', 'unix:///x', 'build', '.']);
    expect(d?.tls).toBe(true);
    expect(engineSocket({ tls: true, host: d?.host }, {})).toBeUndefined();
    expect(parseDockerArgv(['-H', 'unix:///x', 'build', '.'])?.tls).toBe(false);
  });
});

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { directAddress } from '../../../src/lib/reach.js';
import { endpointOf, storedBuilder, tlsDriverOpts } from '../../../src/init/steps/register-builder.js';

// Recorded from `docker buildx inspect helix-shared` (buildx 0.29.1) in a session.
const INSPECT = `Name:          helix-shared
Driver:        remote
Last Activity: 2026-11-23 16:05:01 +0000 UTC

Nodes:
Name:             helix-shared0
Endpoint:         tcp://helix-buildkit:1234
Status:           running
BuildKit version: v0.34.2
`;

describe('endpointOf', () => {
  it('reads the node endpoint from buildx inspect output', () => {
    expect(endpointOf(INSPECT)).toBe('tcp://helix-buildkit:1234');
  });

  it('returns undefined when there is no endpoint', () => {
    expect(endpointOf('Name: x\nDriver: remote\n')).toBeUndefined();
  });
});

// Written by `docker buildx create --name helix-shared --driver remote tcp://helix-buildkit:1234` (buildx 0.29.1).
const INSTANCE = '{"Name":"helix-shared","Driver":"remote","Nodes":[{"Name":"helix-shared0","Endpoint":"tcp://helix-buildkit:1234","Platforms":null,"DriverOpts":null,"Flags":null,"Files":null}],"Dynamic":false}';

// The same with --driver-opt cacert=…,cert=…,key=… (buildx 0.29.1 keeps the paths).
const TLS_OPTS = { cacert: '/c/ca.pem', cert: '/c/client.pem', key: '/c/client.key' };
const INSTANCE_TLS = INSTANCE.replace('"DriverOpts":null', `"DriverOpts":${JSON.stringify(TLS_OPTS)}`);

describe('tlsDriverOpts', () => {
  it('names the certificate files when all three are there, and nothing otherwise', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'helix-creds-'));
    expect(await tlsDriverOpts(dir)).toEqual({});
    for (const f of ['ca.pem', 'client.pem']) writeFileSync(join(dir, f), '');
    expect(await tlsDriverOpts(dir)).toEqual({});
    writeFileSync(join(dir, 'client.key'), '');
    expect(await tlsDriverOpts(dir)).toEqual({ cacert: join(dir, 'ca.pem'), cert: join(dir, 'client.pem'), key: join(dir, 'client.key') });
    expect(await tlsDriverOpts(join(dir, 'absent'))).toEqual({});
    rmSync(dir, { recursive: true });
  });
});

describe('storedBuilder', () => {
  it("reads the endpoint and driver options from buildx's instance file", () => {
    expect(storedBuilder(INSTANCE)).toEqual({ kind: 'endpoint', endpoint: 'tcp://helix-buildkit:1234', driverOpts: {} });
    expect(storedBuilder(INSTANCE_TLS)).toEqual({ kind: 'endpoint', endpoint: 'tcp://helix-buildkit:1234', driverOpts: TLS_OPTS });
  });

  it('tells a missing file from one in a shape it does not know', () => {
    expect(storedBuilder(undefined)).toEqual({ kind: 'absent' });
    expect(storedBuilder('not json')).toEqual({ kind: 'unknown' });
    expect(storedBuilder('{"Name":"x","Driver":"docker-container","Nodes":[{"Endpoint":"x"}]}')).toEqual({ kind: 'unknown' });
    expect(storedBuilder('{"Driver":"remote","Nodes":[{"Endpoint":"a"},{"Endpoint":"b"}]}')).toEqual({ kind: 'unknown' });
  });
});

describe('directAddress', () => {
  it('parses tcp and unix endpoints', () => {
    expect(directAddress('tcp://helix-buildkit:1234')).toEqual({ host: 'helix-buildkit', port: 1234 });
    expect(directAddress('tcp://[::1]:1234')).toEqual({ host: '::1', port: 1234 });
    expect(directAddress('unix:///run/buildkit/buildkitd.sock')).toEqual({ path: '/run/buildkit/buildkitd.sock' });
  });

  it('leaves other schemes to buildx', () => {
    expect(directAddress('docker-container://buildkitd')).toBeUndefined();
    expect(directAddress('tcp://no-port')).toBeUndefined();
  });
});

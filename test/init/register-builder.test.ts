import { describe, expect, it } from 'vitest';
import { directAddress, endpointOf, storedBuilder } from '../../src/init/steps/register-builder.js';

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

describe('storedBuilder', () => {
  it("reads the endpoint from buildx's instance file", () => {
    expect(storedBuilder(INSTANCE)).toEqual({ kind: 'endpoint', endpoint: 'tcp://helix-buildkit:1234' });
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

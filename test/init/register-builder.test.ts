import { describe, expect, it } from 'vitest';
import { endpointOf } from '../../src/init/steps/register-builder.js';

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

import { describe, expect, it } from 'vitest';
import { versionCore } from '../../../src/wrapper/plan/compose-version.js';
import { CLASSIC_BUILD_FAILED, composeBuildFailureCode } from '../../../src/wrapper/report/compose-exit.js';

describe('composeBuildFailureCode', () => {
  it('is 17 for classic compose builds and the build code when compose bakes', () => {
    expect(composeBuildFailureCode(1, '2.26.1\n', undefined)).toBe(CLASSIC_BUILD_FAILED);
    expect(composeBuildFailureCode(1, '2.40.3', undefined)).toBe(1);
    expect(composeBuildFailureCode(1, 'v2.36.0', '')).toBe(1);
  });

  it('follows COMPOSE_BAKE when it is set', () => {
    expect(composeBuildFailureCode(1, '2.40.3', 'false')).toBe(CLASSIC_BUILD_FAILED);
    expect(composeBuildFailureCode(1, '2.26.1', 'true')).toBe(1);
  });
});

describe('versionCore', () => {
  it('reads the version compose writes into its label from what it prints', () => {
    expect(versionCore('2.40.3\n')).toBe('2.40.3');
    expect(versionCore('v2.26.1')).toBe('2.26.1');
    expect(versionCore('2.40.3-3')).toBe('2.40.3');
    expect(versionCore('dev')).toBe('');
  });
});

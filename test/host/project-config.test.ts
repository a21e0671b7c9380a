import { describe, expect, it } from 'vitest';
import { parseProjectConfig } from '../../src/host/project-config.js';

const F = '/x/p.json';

describe('parseProjectConfig', () => {
  it('reads a project with defaults', () => {
    expect(parseProjectConfig('{"startupScript":"/s.sh"}', F)).toEqual({ startupScript: '/s.sh', binds: [], timeoutMinutes: 360 });
  });

  it('names the file and the key for unknown keys and wrong types', () => {
    expect(() => parseProjectConfig('{"startupScript":"/s","timeout":5}', F)).toThrowError('/x/p.json: unknown key "timeout"');
    expect(() => parseProjectConfig('{"startupScript":"/s","binds":"a"}', F)).toThrowError('/x/p.json: "binds" must be a list of strings');
    expect(() => parseProjectConfig('{}', F)).toThrowError('"startupScript" is required');
    expect(() => parseProjectConfig('{', F)).toThrowError(/is not valid JSON/);
    expect(() => parseProjectConfig('{"startupScript":"/s","image":"a b"}', F)).toThrowError('/x/p.json: "image" must be an image reference');
  });

  it("reads the project's desktop image", () => {
    expect(parseProjectConfig('{"startupScript":"/s.sh","image":"acme/desktop:2"}', F)).toMatchObject({ image: 'acme/desktop:2' });
  });
});

import { describe, expect, it } from 'vitest';
import { chooseLoadAction } from '../../../src/wrapper/plan/load-action.js';

const D = 'sha256:aaa';

describe('chooseLoadAction', () => {
  it('skips the load when every tag already points at the built config digest', () => {
    expect(chooseLoadAction(D, new Map([['a', D], ['b', D]]), true)).toEqual({ kind: 'skip' });
  });

  it('tags only when the image is present under another name', () => {
    expect(chooseLoadAction(D, new Map([['a', D], ['b', undefined]]), true)).toEqual({ kind: 'tag', tags: ['b'] });
    expect(chooseLoadAction(D, new Map([['a', 'sha256:old']]), true)).toEqual({ kind: 'tag', tags: ['a'] });
  });

  it('loads when the daemon does not have the image at all', () => {
    expect(chooseLoadAction(D, new Map([['a', 'sha256:old']]), false)).toEqual({ kind: 'load' });
    expect(chooseLoadAction(D, new Map([['a', undefined]]), false)).toEqual({ kind: 'load' });
  });

  it('handles untagged builds by image presence alone', () => {
    expect(chooseLoadAction(D, new Map(), true)).toEqual({ kind: 'skip' });
    expect(chooseLoadAction(D, new Map(), false)).toEqual({ kind: 'load' });
  });
});

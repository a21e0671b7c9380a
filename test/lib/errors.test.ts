import { describe, expect, it } from 'vitest';
import { HelixError, oneLine } from '../../src/lib/errors.js';

describe('oneLine', () => {
  it('gives a person one line, whatever the message spans', () => {
    expect(oneLine(new HelixError('BAD_FLAG', "Option '--x' is ambiguous.\nDid you forget?\n  Use '--x=-1'.", 'see\nhelp'))).toBe("BAD_FLAG: Option '--x' is ambiguous. Did you forget? Use '--x=-1'. (see help)");
    expect(oneLine(new Error('first\nsecond'))).toBe('INTERNAL: first');
  });
});

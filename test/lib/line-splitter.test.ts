import { describe, expect, it } from 'vitest';
import { lineSplitter } from '../../src/lib/line-splitter.js';

describe('lineSplitter', () => {
  it('gives whole lines whatever the chunks, holding a split one until its end', () => {
    const got: string[] = [];
    const push = lineSplitter((l) => got.push(l));
    for (const c of ['#1 [a] exp', 'orting to image\n#1 DO', 'NE 0.1s\n\n#2 ']) push(c);
    expect(got).toEqual(['#1 [a] exporting to image', '#1 DONE 0.1s', '']);
  });
});

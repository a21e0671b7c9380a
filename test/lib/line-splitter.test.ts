import { describe, expect, it } from 'vitest';
import { lineSplitter } from '../../src/lib/line-splitter.js';

describe('lineSplitter', () => {
  it('gives whole lines whatever the chunks, holding a split one until its end', () => {
    const got: string[] = [];
    const lines = lineSplitter((l) => got.push(l));
    for (const c of ['#1 [a] exp', 'orting to image\n#1 DO', 'NE 0.1s\n\n#2 ']) lines.push(c);
    expect(got).toEqual(['#1 [a] exporting to image', '#1 DONE 0.1s', '']);
  });

  it('gives a last line with no newline when the stream ends, and nothing more after a newline', () => {
    const got: string[] = [];
    const lines = lineSplitter((l) => got.push(l));
    lines.push('{"status":"a"}\n{"stat');
    lines.push('us":"b"}');
    lines.end();
    expect(got).toEqual(['{"status":"a"}', '{"status":"b"}']);
    const ended: string[] = [];
    const whole = lineSplitter((l) => ended.push(l));
    whole.push('one\n');
    whole.end();
    expect(ended).toEqual(['one']);
  });
});
